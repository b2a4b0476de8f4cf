/*
 * loadgen - drive mlg_http_load() from the command line, for
 * bench/latency.sh (not a gate: no option table, no report).
 *
 *   loadgen URL CONCURRENCY DURATION_S [RATE [WARMUP_S]]
 *
 * POSTs a one-row OIP v2 request; RATE 0 (default) is the closed model.
 * mlg_http_load() shares the connections among one thread per CPU.
 * Prints one line: requests, errors, req/s, p50/p90/p99/max in ms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/error.h"
#include "mlgate/http.h"
#include "mlgate/latency.h"

#define REQ                                                                    \
	"{\"inputs\":[{\"name\":\"input-0\",\"shape\":[1,4],\"datatype\":"     \
	"\"FP64\",\"data\":[5.1,3.5,1.4,0.2]}]}"

int main(int argc, char **argv)
{
	struct mlg_load_opts o = {0};
	struct mlg_latency h;
	int rc;

	if (argc < 4) {
		fprintf(stderr, "usage: loadgen URL CONCURRENCY DURATION_S "
				"[RATE [WARMUP_S]]\n");
		return 2;
	}
	if (mlg_http_global_init())
		return 3;
	o.url = argv[1];
	o.concurrency = atoi(argv[2]);
	o.duration_s = atof(argv[3]);
	o.rate = argc > 4 ? atof(argv[4]) : 0;
	o.warmup_s = argc > 5 ? atof(argv[5]) : 0;
	o.body = REQ;
	o.len = strlen(REQ);
	o.timeout_ms = 10000;
	rc = mlg_http_load(&h, &o);
	if (rc)
		fprintf(stderr, "loadgen: %s\n", mlg_error_message());
	printf("requests %llu errors %llu req/s %.0f p50 %.3f ms p90 %.3f ms "
	       "p99 %.3f ms max %.3f ms\n",
	       (unsigned long long)h.sent, (unsigned long long)h.errors,
	       mlg_latency_throughput(&h), mlg_latency_quantile(&h, 0.5) * 1000,
	       mlg_latency_quantile(&h, 0.9) * 1000,
	       mlg_latency_quantile(&h, 0.99) * 1000, h.max * 1000);
	mlg_latency_release(&h);
	mlg_http_global_cleanup();
	return rc ? 3 : 0;
}
