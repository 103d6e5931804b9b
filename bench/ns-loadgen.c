/*
 * bench/loadgen.c, built to run inside a network namespace: it binds its sockets to the address in
 * LOADGEN_BIND (IPv4; loadgen.c itself binds 127.0.0.1, which cannot reach another namespace) and, after
 * loadgen.c's JSON result line, prints its latency histogram as one more line, "hist US:COUNT ...", only
 * the non-empty 1 µs buckets, so that the results of the two generators of a run (one per side of the proxy)
 * merge into exact percentiles. The protocol on stdin is loadgen.c's. Including the source, instead of
 * copying it, keeps one generator: this file only swaps the bind address and adds the histogram.
 */
#define _GNU_SOURCE /* loadgen.c's recvmmsg; it must come before the first system header */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static in_addr_t bench_bind_address = 0x7f000001; /* host order, as loadgen.c passes it to htonl() */

#undef INADDR_LOOPBACK
#define INADDR_LOOPBACK bench_bind_address
#undef _GNU_SOURCE /* loadgen.c defines it again */
#define main loadgen_main
#include "loadgen.c"
#undef main

int main(void) {
	const char *bind_to = getenv("LOADGEN_BIND");
	if (bind_to) {
		struct in_addr parsed;
		if (inet_pton(AF_INET, bind_to, &parsed) != 1) {
			fprintf(stderr, "ns-loadgen: LOADGEN_BIND is not an IPv4 address: %s\n", bind_to);
			return 2;
		}
		bench_bind_address = ntohl(parsed.s_addr);
	}
	int status = loadgen_main();
	if (status != 0) return status;
	printf("hist");
	for (int i = 0; i <= HIST_US; i++)
		if (hist[i]) printf(" %d:%llu", i, (unsigned long long)hist[i]);
	printf("\n");
	fflush(stdout);
	return 0;
}
