/**
 * The test side of `paced-agent.ts`: the same line protocol as `Agent` in `netns.ts`, for the other agent script.
 */
import { fileURLToPath } from 'node:url';
import { Agent } from './netns.ts';

const SCRIPT = fileURLToPath(new URL('./paced-agent.ts', import.meta.url));

export interface NgExchange {
  sentAt: number;
  repliedAt: number;
  reply: Record<string, unknown>;
}

export class PacedAgent extends Agent {
  constructor(netns: string) {
    super(netns, SCRIPT);
  }
}
