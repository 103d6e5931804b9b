/*
 * ngload: the ng call-setup load for the benchmark, in C so that the client costs little CPU and adds no event-loop
 * delay of its own to what it measures (the Node client used 30-50% of a core of this 2-core machine and read its
 * replies in batches). It plays Kamailio's part: INFLIGHT workers, each with one request outstanding, as each of
 * Kamailio's processes waits for its rtpengine reply; each worker repeats offer -> answer -> delete on a fresh call,
 * the requests shaped exactly as bench/call-shapes.ts builds them (Kamailio's key order, baresip's SDP).
 *
 *   ngload HOST PORT INFLIGHT WARMUP_MS MEASURE_MS RUN [RATE]
 *
 * With RATE (call setups per second, all workers together) the setups are paced: a worker that finished a setup
 * waits for the next free slot of a 1/RATE grid before its next offer, so the daemon sees RATE setups/s arriving on
 * a schedule of the client's, as from a proxy that is not at the daemon's limit, and the latencies are those of that
 * load. A daemon that cannot keep up gets every worker busy again (the grid never runs ahead of the clock), which is
 * the unpaced load.
 *
 * It runs WARMUP_MS unmeasured, then MEASURE_MS measured, then waits for the replies still due (up to 2 s) and prints
 * one JSON line: completed setups and requests in the measured window, failures (a reply other than ok, or none
 * within 2 s), the client's CPU during the window, and every measured request's latency in microseconds (send to
 * receive, both read from CLOCK_MONOTONIC next to the syscalls).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_US 2000000LL
#define MAX_INFLIGHT 1024
#define REQ_BYTES 4096

enum step { OFFER, ANSWER, DELETE };

struct worker {
  enum step step;
  unsigned long call;     /* the call's sequence number: ids, tags and ports derive from it */
  unsigned long cookie;   /* the outstanding request's cookie number */
  long long sent_us;
  int waiting;
  long long start_at; /* paced: when the next offer goes (0: not parked) */
};

static long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static const char *run_tag;
/* Paced mode (RATE given): the grid's step and its next free slot. */
static long long pace_step_us;
static long long next_slot_us;
static unsigned long next_call;
static unsigned long next_cookie;

static uint32_t ssrc_for(unsigned port, unsigned salt) {
  uint32_t s = (uint32_t)((uint64_t)port * 2654435761ULL + salt);
  return s ? s : 1;
}

/* Appends a bencoded string. */
static int bstr(char *out, int at, const char *s) {
  return at + sprintf(out + at, "%zu:%s", strlen(s), s);
}

/* The request of a worker's current step, as `cookie SP dict`; returns its length. */
static int build(const struct worker *w, char *out) {
  char cookie[48], callid[64], from[32], to[32], sdp[1024];
  unsigned slot = (unsigned)(w->call % 15000);
  unsigned caller = 2000 + slot * 4, callee = caller + 2;
  snprintf(cookie, sizeof cookie, "ngload_%d_%lu", (int)getpid(), w->cookie);
  snprintf(callid, sizeof callid, "bench-%s-%08lx", run_tag, w->call);
  snprintf(from, sizeof from, "from-%08lx", w->call);
  snprintf(to, sizeof to, "to-%08lx", w->call);
  int n = sprintf(out, "%s d", cookie);
  n = bstr(out, n, "supports");
  n += sprintf(out + n, "l10:load limite");
  if (w->step == OFFER || w->step == ANSWER) {
    int offer = w->step == OFFER;
    unsigned port = offer ? caller : callee;
    snprintf(sdp, sizeof sdp,
             "v=0\r\no=- %u %s IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\na=tool:baresip 1.0.0\r\n"
             "m=audio %u RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
             "a=fmtp:101 0-15\r\na=sendrecv\r\na=label:1\r\n%sa=ssrc:%u cname:sip:%s@127.0.0.1\r\n"
             "a=minptime:20\r\na=ptime:20\r\n",
             (offer ? 3094164730u : 3210470814u) + port, offer ? "1323670454" : "1162779014", port,
             offer ? "a=rtcp-rsize\r\n" : "", ssrc_for(port, offer ? 1 : 2), offer ? "alice1" : "bob1");
    n = bstr(out, n, "sdp");
    n = bstr(out, n, sdp);
    n = bstr(out, n, "ICE");
    n = bstr(out, n, "remove");
    if (offer) {
      n = bstr(out, n, "direction");
      n += sprintf(out + n, "l1:a1:be");
    }
    n = bstr(out, n, "replace");
    n += sprintf(out + n, "l6:origin18:session-connectione");
    n = bstr(out, n, "transport-protocol");
    n = bstr(out, n, "RTP/AVP");
  }
  n = bstr(out, n, "call-id");
  n = bstr(out, n, callid);
  n = bstr(out, n, "received-from");
  n += sprintf(out + n, "l3:IP49:127.0.0.1e");
  n = bstr(out, n, "from-tag");
  n = bstr(out, n, from);
  if (w->step == ANSWER) {
    n = bstr(out, n, "to-tag");
    n = bstr(out, n, to);
  }
  n = bstr(out, n, "command");
  n = bstr(out, n, w->step == OFFER ? "offer" : w->step == ANSWER ? "answer" : "delete");
  out[n++] = 'e';
  return n;
}

static void send_step(int fd, struct worker *w) {
  static char buf[REQ_BYTES];
  w->cookie = next_cookie++;
  int len = build(w, buf);
  w->sent_us = now_us();
  w->waiting = 1;
  if (send(fd, buf, (size_t)len, 0) < 0) w->sent_us -= TIMEOUT_US; /* counted as a timeout on the next sweep */
}

/*
 * A worker starts its next call: the offer goes now, or in paced mode at the grid's next free slot (not before
 * `now`: a grid that fell behind the clock is not caught up in a burst).
 */
static void next_setup(int fd, struct worker *w, long long now) {
  w->step = OFFER;
  w->call = next_call++;
  if (!pace_step_us) {
    send_step(fd, w);
    return;
  }
  if (next_slot_us < now) next_slot_us = now;
  w->start_at = next_slot_us;
  next_slot_us += pace_step_us;
}

/* Paced mode: sends the offers whose slot has come; returns how long until the next one (at most `cap_us`). */
static long long send_due(int fd, struct worker *workers, int inflight, long long now, long long cap_us) {
  long long wait_us = cap_us;
  for (int i = 0; i < inflight; i++) {
    struct worker *w = &workers[i];
    if (!w->start_at) continue;
    if (w->start_at <= now) {
      w->start_at = 0;
      send_step(fd, w);
    } else if (w->start_at - now < wait_us)
      wait_us = w->start_at - now;
  }
  return wait_us;
}

/* Latencies of the measured window, grown as needed. */
static long long *lat;
static size_t lat_n, lat_cap;

static void keep_latency(long long us) {
  if (lat_n == lat_cap) {
    lat_cap = lat_cap ? lat_cap * 2 : 65536;
    lat = realloc(lat, lat_cap * sizeof *lat);
    if (!lat) exit(2);
  }
  lat[lat_n++] = us;
}

static char first_reason[256];

/* The bencoded string right after `key` in a reply, copied into first_reason if none is kept yet. */
static int keep_value_after(const char *reply, size_t len, const char *key) {
  const char *k = memmem(reply, len, key, strlen(key));
  if (!k) return 0;
  const char *v = k + strlen(key), *end = reply + len;
  char *colon = memchr(v, ':', (size_t)(end - v));
  long n = strtol(v, NULL, 10);
  if (!colon || n < 0 || n >= (long)sizeof first_reason || colon + 1 + n > end) return 0;
  memcpy(first_reason, colon + 1, (size_t)n);
  first_reason[n] = 0;
  return 1;
}

/* The error-reason (or else the result) of the first reply that is not ok, for the report. */
static void note_reason(const char *reply, size_t len) {
  if (first_reason[0]) return;
  if (!keep_value_after(reply, len, "12:error-reason")) keep_value_after(reply, len, "6:result");
}

int main(int argc, char **argv) {
  if (argc != 7 && argc != 8) {
    fprintf(stderr, "usage: ngload HOST PORT INFLIGHT WARMUP_MS MEASURE_MS RUN [RATE]\n");
    return 2;
  }
  int inflight = atoi(argv[3]);
  long long warmup = atoll(argv[4]) * 1000, measure = atoll(argv[5]) * 1000;
  run_tag = argv[6];
  double rate = argc == 8 ? atof(argv[7]) : 0;
  pace_step_us = rate > 0 ? (long long)(1e6 / rate) : 0;
  if (inflight < 1 || inflight > MAX_INFLIGHT) return 2;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
  if (fd < 0 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) return 2;
  int size = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  if (connect(fd, (struct sockaddr *)&to, sizeof to) < 0) return 2;

  static struct worker workers[MAX_INFLIGHT];
  long long start = now_us();
  long long measure_from = start + warmup, measure_to = measure_from + measure;
  for (int i = 0; i < inflight; i++) next_setup(fd, &workers[i], start);
  unsigned long setups = 0, failures = 0, timeouts = 0;
  double cpu_from = 0, cpu_to = 0;
  int measuring = 0, ended = 0;
  long long last_sweep = start;
  static char reply[65536];
  for (;;) {
    long long t = now_us();
    if (!measuring && t >= measure_from) {
      measuring = 1;
      cpu_from = cpu_s();
    }
    if (measuring && !ended && t >= measure_to) {
      ended = 1;
      cpu_to = cpu_s();
    }
    int outstanding = 0;
    for (int i = 0; i < inflight; i++) outstanding += workers[i].waiting;
    if (ended && (outstanding == 0 || t >= measure_to + TIMEOUT_US)) break;
    long long wait_us = ended ? 20000 : send_due(fd, workers, inflight, t, 20000);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    struct timespec wait = {.tv_sec = 0, .tv_nsec = wait_us * 1000};
    int ready = ppoll(&p, 1, &wait, NULL);
    if (ready > 0) {
      for (;;) {
        ssize_t len = recv(fd, reply, sizeof reply - 1, MSG_DONTWAIT);
        if (len <= 0) break;
        long long got = now_us();
        reply[len] = 0;
        /* ngload_<pid>_<n> SP ... : find the worker by its outstanding cookie */
        char *space = memchr(reply, ' ', (size_t)len);
        char *us = space ? memrchr(reply, '_', (size_t)(space - reply)) : NULL;
        if (!us) continue;
        unsigned long cookie = strtoul(us + 1, NULL, 10);
        struct worker *w = NULL;
        for (int i = 0; i < inflight; i++)
          if (workers[i].waiting && workers[i].cookie == cookie) w = &workers[i];
        if (!w) continue; /* a late reply to a request already given up */
        w->waiting = 0;
        int in_window = w->sent_us >= measure_from && got <= measure_to;
        if (in_window) keep_latency(got - w->sent_us);
        int ok = memmem(reply, (size_t)len, "6:result2:ok", 12) != NULL;
        if (!ok) {
          note_reason(reply, (size_t)len);
          if (in_window) failures++;
        }
        if (ended) continue;
        if (w->step == OFFER && ok) w->step = ANSWER;
        else if (w->step == OFFER || w->step == DELETE) {
          if (w->step == DELETE && ok && got >= measure_from && got <= measure_to) setups++;
          next_setup(fd, w, got);
          continue;
        } else w->step = DELETE; /* delete even after a failed answer, so that no half-made call lingers */
        send_step(fd, w);
      }
    }
    t = now_us();
    if (t - last_sweep >= 20000) {
      last_sweep = t;
      for (int i = 0; i < inflight; i++) {
        struct worker *w = &workers[i];
        if (!w->waiting || t - w->sent_us < TIMEOUT_US) continue;
        w->waiting = 0;
        if (w->sent_us >= measure_from && w->sent_us < measure_to) {
          failures++;
          timeouts++;
        }
        if (ended) continue;
        if (w->step == ANSWER) {
          w->step = DELETE;
          send_step(fd, w);
        } else
          next_setup(fd, w, t);
      }
    }
  }
  printf("{\"setups\":%lu,\"requests\":%zu,\"seconds\":%.6f,\"failures\":%lu,\"timeouts\":%lu,\"cpu_s\":%.6f,",
         setups, lat_n, measure / 1e6, failures, timeouts, cpu_to - cpu_from);
  printf("\"reason\":\"");
  for (const char *c = first_reason; *c; c++)
    if (*c != '"' && *c != '\\' && (unsigned char)*c >= 0x20) putchar(*c);
  printf("\",\"latencies_us\":[");
  for (size_t i = 0; i < lat_n; i++) printf(i ? ",%lld" : "%lld", lat[i]);
  printf("]}\n");
  return 0;
}
