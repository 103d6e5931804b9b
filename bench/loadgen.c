/*
 * RTP load generator for the relay benchmark: one thread, many UDP sockets on 127.0.0.1 (one per call
 * leg endpoint), paced sending, epoll + recvmmsg receiving. It must cost less CPU per packet than the
 * relay it measures, so it does nothing per packet but one sendto, a share of one recvmmsg and a
 * histogram increment.
 *
 * Control protocol, one command per line on stdin:
 *   open N                                  bind N sockets; replies "ports P0 P1 ... PN-1"
 *   peer I IP PORT                          socket I sends to IP:PORT
 *   run PPS PAYLOAD WARMUP_MS MEASURE_MS DRAIN_MS
 *                                           every socket with a peer sends PPS packets/s of a 12-byte
 *                                           RTP header + PAYLOAD bytes; prints "phase measure" when the
 *                                           measured window starts, "phase drain" when sending stops,
 *                                           then one JSON line of results, and exits.
 * Each packet carries its send time (CLOCK_REALTIME ns), its flow and whether it was sent inside the
 * measured window, so loss and one-way latency are computed from what arrives.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RTP_HEADER 12
#define MAX_PACKET 1500
#define BATCH 32
#define HIST_US 200000 /* 1 us buckets up to 200 ms; later arrivals go to the overflow bucket */

struct flow {
	int fd;
	struct sockaddr_in peer;
	int has_peer;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	uint64_t received;
};

static struct flow *flows;
static int nflows;
static uint64_t hist[HIST_US + 1];

/* CLOCK_REALTIME because arrival times are the kernel's receive timestamps (SO_TIMESTAMPNS), so a
 * packet's latency does not include how long it waited for this loop to read it. */
static uint64_t now_ns(void) {
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void die(const char *what) {
	fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void raise_file_limit(void) {
	struct rlimit limit;
	if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
		limit.rlim_cur = limit.rlim_max;
		setrlimit(RLIMIT_NOFILE, &limit);
	}
}

static void open_flows(int n) {
	flows = calloc((size_t)n, sizeof *flows);
	if (!flows) die("calloc");
	nflows = n;
	printf("ports");
	for (int i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (fd < 0) die("socket");
		struct sockaddr_in local = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0) die("bind");
		int on = 1;
		if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) < 0) die("SO_TIMESTAMPNS");
		socklen_t len = sizeof local;
		if (getsockname(fd, (struct sockaddr *)&local, &len) < 0) die("getsockname");
		flows[i].fd = fd;
		flows[i].ssrc = 0x10000000u + (uint32_t)i;
		printf(" %u", ntohs(local.sin_port));
	}
	printf("\n");
	fflush(stdout);
}

static double percentile_us(uint64_t total, double fraction) {
	if (total == 0) return -1;
	uint64_t rank = (uint64_t)(fraction * (double)total);
	if (rank == 0) rank = 1;
	uint64_t seen = 0;
	for (int i = 0; i <= HIST_US; i++) {
		seen += hist[i];
		if (seen >= rank) return i;
	}
	return HIST_US;
}

static double seconds(struct timeval t) {
	return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

static void run(int pps, int payload, int warmup_ms, int measure_ms, int drain_ms) {
	if (payload < 13) payload = 13;
	if (RTP_HEADER + payload > MAX_PACKET) payload = MAX_PACKET - RTP_HEADER;
	int ep = epoll_create1(0);
	if (ep < 0) die("epoll_create1");
	int senders = 0;
	for (int i = 0; i < nflows; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, flows[i].fd, &ev) < 0) die("epoll_ctl");
		if (flows[i].has_peer) senders++;
	}

	/* Senders are spread evenly over one packet interval so that the load is smooth. */
	uint64_t period = 1000000000ull / (uint64_t)pps;
	uint64_t start = now_ns() + 20000000ull;
	uint64_t measure_from = start + (uint64_t)warmup_ms * 1000000ull;
	uint64_t send_until = measure_from + (uint64_t)measure_ms * 1000000ull;
	uint64_t end = send_until + (uint64_t)drain_ms * 1000000ull;
	int *order = malloc(sizeof(int) * (size_t)(senders > 0 ? senders : 1));
	if (!order) die("malloc");
	int k = 0;
	for (int i = 0; i < nflows; i++)
		if (flows[i].has_peer) order[k++] = i;

	unsigned char packet[MAX_PACKET];
	memset(packet, 0xff, sizeof packet);
	static unsigned char rx[BATCH][MAX_PACKET];
	struct mmsghdr msgs[BATCH];
	struct iovec iovs[BATCH];
	static union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} controls[BATCH];
	for (int i = 0; i < BATCH; i++) {
		iovs[i].iov_base = rx[i];
		iovs[i].iov_len = MAX_PACKET;
		memset(&msgs[i], 0, sizeof msgs[i]);
		msgs[i].msg_hdr.msg_iov = &iovs[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_control = controls[i].buf;
	}

	uint64_t sent = 0, sent_warmup = 0, send_errors = 0, received = 0, received_warmup = 0;
	uint64_t late = 0, max_ns = 0, stray = 0, max_lag = 0, lag_sum = 0, lag_count = 0;
	uint64_t cycle = 0;
	int next = 0;
	int announced_measure = 0, announced_drain = 0;
	struct rusage before, after;
	getrusage(RUSAGE_SELF, &before);
	uint64_t wall_start = now_ns();
	struct epoll_event events[256];

	for (;;) {
		uint64_t t = now_ns();
		if (!announced_measure && t >= measure_from) {
			printf("phase measure\n");
			fflush(stdout);
			announced_measure = 1;
		}
		if (!announced_drain && t >= send_until) {
			printf("phase drain\n");
			fflush(stdout);
			announced_drain = 1;
		}
		if (t >= end) break;
		/* Send everything due within the next millisecond (epoll_wait sleeps in whole milliseconds),
		 * but at most a bounded burst before reading again, so a generator that falls behind still
		 * drains its sockets; how far behind it fell is reported as max_lag_us. */
		int burst = 0;
		while (senders > 0 && burst < 512) {
			uint64_t due = start + cycle * period + (period * (uint64_t)next) / (uint64_t)senders;
			if (due >= send_until || due > t + 1000000ull) break;
			burst++;
			if (t > due) {
				if (t - due > max_lag) max_lag = t - due;
				lag_sum += t - due;
			}
			lag_count++;
			struct flow *f = &flows[order[next]];
			int measured = due >= measure_from;
			uint64_t stamp = now_ns();
			packet[0] = 0x80;
			packet[1] = 0; /* PCMU */
			packet[2] = (unsigned char)(f->seq >> 8);
			packet[3] = (unsigned char)f->seq;
			uint32_t ts = htonl(f->ts), ssrc = htonl(f->ssrc);
			memcpy(packet + 4, &ts, 4);
			memcpy(packet + 8, &ssrc, 4);
			memcpy(packet + RTP_HEADER, &stamp, 8);
			uint32_t index = (uint32_t)order[next];
			memcpy(packet + RTP_HEADER + 8, &index, 4);
			packet[RTP_HEADER + 12] = (unsigned char)measured;
			if (sendto(f->fd, packet, (size_t)(RTP_HEADER + payload), 0, (struct sockaddr *)&f->peer, sizeof f->peer) < 0)
				send_errors++;
			else if (measured)
				sent++;
			else
				sent_warmup++;
			f->seq++;
			f->ts += 160;
			if (++next == senders) {
				next = 0;
				cycle++;
			}
		}
		uint64_t wake = end;
		if (senders > 0) {
			uint64_t due = start + cycle * period + (period * (uint64_t)next) / (uint64_t)senders;
			if (due < send_until && due < wake) wake = due;
		}
		/* Everything due within the next millisecond went out above, so sleep at least that long:
		 * a zero timeout here would spin, and the generator must stay cheaper than the relay. */
		t = now_ns();
		int timeout = wake > t ? (int)((wake - t + 999999ull) / 1000000ull) : 0;
		if (timeout < 1 && t < end && burst < 512) timeout = 1;
		if (burst >= 512) timeout = 0;
		int n = epoll_wait(ep, events, 256, timeout);
		if (n < 0 && errno != EINTR) die("epoll_wait");
		for (int e = 0; e < n; e++) {
			struct flow *f = &flows[events[e].data.u32];
			for (int m = 0; m < BATCH; m++) msgs[m].msg_hdr.msg_controllen = sizeof controls[m].buf;
			int got = recvmmsg(f->fd, msgs, BATCH, MSG_DONTWAIT, NULL);
			if (got <= 0) continue;
			uint64_t read_at = now_ns();
			for (int m = 0; m < got; m++) {
				uint64_t arrival = read_at;
				for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[m].msg_hdr); c; c = CMSG_NXTHDR(&msgs[m].msg_hdr, c)) {
					if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
						struct timespec ts;
						memcpy(&ts, CMSG_DATA(c), sizeof ts);
						arrival = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
					}
				}
				if (msgs[m].msg_len < RTP_HEADER + 13) {
					stray++;
					continue;
				}
				uint64_t stamp;
				memcpy(&stamp, rx[m] + RTP_HEADER, 8);
				if (!rx[m][RTP_HEADER + 12]) {
					received_warmup++;
					continue;
				}
				received++;
				f->received++;
				uint64_t delay = arrival > stamp ? arrival - stamp : 0;
				if (delay > max_ns) max_ns = delay;
				uint64_t us = delay / 1000ull;
				if (us >= HIST_US) {
					late++;
					us = HIST_US;
				}
				hist[us]++;
			}
		}
	}
	uint64_t wall = now_ns() - wall_start;
	getrusage(RUSAGE_SELF, &after);
	int silent = 0;
	for (int i = 0; i < nflows; i++)
		if (flows[i].received == 0) silent++;
	double user = seconds(after.ru_utime) - seconds(before.ru_utime);
	double sys = seconds(after.ru_stime) - seconds(before.ru_stime);
	printf("{\"flows\":%d,\"senders\":%d,\"sent\":%llu,\"received\":%llu,\"sent_warmup\":%llu,"
	       "\"received_warmup\":%llu,\"send_errors\":%llu,\"stray\":%llu,\"late\":%llu,\"silent_flows\":%d,"
	       "\"p50_us\":%.0f,\"p99_us\":%.0f,\"max_us\":%.1f,\"max_lag_us\":%.0f,\"mean_lag_us\":%.0f,\"cpu_user_s\":%.3f,\"cpu_sys_s\":%.3f,\"wall_s\":%.3f}\n",
	       nflows, senders, (unsigned long long)sent, (unsigned long long)received, (unsigned long long)sent_warmup,
	       (unsigned long long)received_warmup, (unsigned long long)send_errors, (unsigned long long)stray,
	       (unsigned long long)late, silent, percentile_us(received, 0.5), percentile_us(received, 0.99),
	       (double)max_ns / 1000.0, (double)max_lag / 1000.0,
	       lag_count ? (double)lag_sum / (double)lag_count / 1000.0 : 0.0, user, sys, (double)wall / 1e9);
	fflush(stdout);
	free(order);
	close(ep);
}

int main(void) {
	raise_file_limit();
	char line[256];
	while (fgets(line, sizeof line, stdin)) {
		int n, i, port, pps, payload, warmup, measure, drain;
		char ip[64];
		if (sscanf(line, "open %d", &n) == 1) {
			if (flows || n <= 0) {
				fprintf(stderr, "loadgen: bad open\n");
				return 2;
			}
			open_flows(n);
		} else if (sscanf(line, "peer %d %63s %d", &i, ip, &port) == 3) {
			if (i < 0 || i >= nflows || inet_pton(AF_INET, ip, &flows[i].peer.sin_addr) != 1) {
				fprintf(stderr, "loadgen: bad peer line: %s", line);
				return 2;
			}
			flows[i].peer.sin_family = AF_INET;
			flows[i].peer.sin_port = htons((uint16_t)port);
			flows[i].has_peer = 1;
		} else if (sscanf(line, "run %d %d %d %d %d", &pps, &payload, &warmup, &measure, &drain) == 5) {
			if (pps <= 0) {
				fprintf(stderr, "loadgen: bad rate\n");
				return 2;
			}
			run(pps, payload, warmup, measure, drain);
			return 0;
		} else {
			fprintf(stderr, "loadgen: unknown command: %s", line);
			return 2;
		}
	}
	return 0;
}
