/*
 * csv-parse.c - throughput of the CSV reader (built by hand, not by make)
 *
 *	cc -O2 -Iinclude -D_GNU_SOURCE -pthread -o build/csv-parse \
 *		bench/csv-parse.c lib/csv.c lib/buf.c lib/util.c lib/error.c \
 *		lib/secret.c lib/ci.c
 *	build/csv-parse --generate /tmp/bench.csv 500   # MB of typical data
 *	build/csv-parse /tmp/bench.csv [threads]
 *
 * Typical data: 12 columns of short unquoted fields, one field in ten
 * quoted and holding a comma. Measured on the file in memory (mmap, pages
 * touched first) so the disk is out of the picture:
 *   split    mlg_csv_split() over the whole file: lines and records
 *   chunk    one mlg_csv_chunk iterator over the whole file, every field
 *            touched (lengths summed)
 *   reader   mlg_csv_reader_next() with read(2) from the page cache
 *   chunks   mlg_csv_reader_next_chunk(), each chunk parsed by an iterator
 *   threads  the file cut with split() into N parts parsed in parallel
 * Each is the best of three runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mlgate/csv.h"
#include "mlgate/error.h"

/*
 * CI machines and shared hosts steal time: single-thread runs are timed
 * in CPU time of the process (user + system, so read(2) counts), next to
 * the wall clock. The threaded run can only be judged by the wall clock.
 */
static double clock_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct timing {
	double wall, cpu;
};

static void start(struct timing *t)
{
	t->wall = clock_of(CLOCK_MONOTONIC);
	t->cpu = clock_of(CLOCK_PROCESS_CPUTIME_ID);
}

/* Keep the best of the runs in `best`. */
static void stop(struct timing *t, struct timing *best)
{
	t->wall = clock_of(CLOCK_MONOTONIC) - t->wall;
	t->cpu = clock_of(CLOCK_PROCESS_CPUTIME_ID) - t->cpu;
	if (t->wall < best->wall)
		best->wall = t->wall;
	if (t->cpu < best->cpu)
		best->cpu = t->cpu;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int generate(const char *path, long mb)
{
	static const char *const words[] = {"alpha", "beta",  "gamma", "delta",
					    "x",     "ok",    "true",  "false",
					    "NA",    "paris", "tokyo", "lima"};
	static const char *const names[] = {"Smith, John", "Doe, Jane",
					    "Lee, Ann", "Garcia, M.",
					    "Brown, Bo"};
	FILE *fp = fopen(path, "w");
	uint64_t want = (uint64_t)mb << 20, len = 0, rows = 0;
	char line[512];

	if (!fp) {
		perror(path);
		return 1;
	}
	len += fprintf(fp, "id,name,score,date,city,count,flag,code,ratio,"
			   "tag,n,note\n");
	while (len < want) {
		int n = 0, col;

		for (col = 0; col < 12; col++) {
			uint64_t r = next_rand();

			if (col)
				line[n++] = ',';
			if (r % 10 == 0) {
				n += sprintf(line + n, "\"%s\"",
					     names[(r >> 8) % 5]);
				continue;
			}
			switch (col % 4) {
			case 0:
				n += sprintf(line + n, "%llu",
					     (unsigned long long)(r >> 40));
				break;
			case 1:
				n += sprintf(line + n, "%s",
					     words[(r >> 8) % 12]);
				break;
			case 2:
				n += sprintf(line + n, "%.3f",
					     (double)(r >> 44) / 1000.0);
				break;
			default:
				n += sprintf(line + n, "2024-%02d-%02d",
					     (int)((r >> 8) % 12) + 1,
					     (int)((r >> 16) % 28) + 1);
			}
		}
		line[n++] = '\n';
		fwrite(line, 1, n, fp);
		len += n;
		rows++;
	}
	if (fclose(fp)) {
		perror(path);
		return 1;
	}
	printf("wrote %s: %llu bytes, %llu rows\n", path,
	       (unsigned long long)len, (unsigned long long)rows + 1);
	return 0;
}

static void report(const char *what, size_t bytes, const struct timing *t,
		   unsigned long long records)
{
	printf("%-8s %6.0f MB/s cpu %6.0f MB/s wall  %6.3f s  %llu records\n",
	       what, bytes / 1e6 / t->cpu, bytes / 1e6 / t->wall, t->wall,
	       records);
}

/* Parse <p, n> with one iterator; the sum of field lengths keeps the
 * compiler from dropping the work. */
static unsigned long long parse(const char *p, size_t n,
				const struct mlg_csv_pos *at,
				unsigned long long *sum)
{
	struct mlg_csv_chunk it;
	struct mlg_csv_record rec;
	unsigned long long records = 0;
	int ret;
	size_t i;

	mlg_csv_chunk_init(&it, NULL, p, n, at);
	while ((ret = mlg_csv_chunk_next(&it, &rec)) == 1) {
		records++;
		for (i = 0; i < rec.nfields; i++)
			*sum += rec.fields[i].len;
	}
	if (ret < 0)
		fprintf(stderr, "parse: %s\n", mlg_error_message());
	mlg_csv_chunk_release(&it);
	return records;
}

struct fdsrc {
	int fd;
};

static ssize_t fd_read(void *ctx, void *buf, size_t n)
{
	struct fdsrc *s = ctx;
	ssize_t r;

	do
		r = read(s->fd, buf, n);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return mlg_error_errno(errno, "cannot read");
	return r;
}

struct part {
	const char *p;
	size_t n;
	struct mlg_csv_pos at;
	unsigned long long records, sum;
};

static void *worker(void *arg)
{
	struct part *w = arg;

	w->records = parse(w->p, w->n, &w->at, &w->sum);
	return NULL;
}

static int bench(const char *path, int threads)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	const char *map;
	size_t len, i;
	unsigned long long sum = 0, records = 0;
	struct timing best, t;
	int run;

	if (fd < 0 || fstat(fd, &st)) {
		perror(path);
		return 1;
	}
	len = st.st_size;
	map = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (i = 0; i < len; i += 4096)
		sum += (unsigned char)map[i];

	for (best.wall = best.cpu = 1e9, run = 0; run < 3; run++) {
		struct mlg_csv_count cnt;

		start(&t);
		mlg_csv_split(&cnt, NULL, map, len, 1);
		stop(&t, &best);
		records = cnt.records;
	}
	report("split", len, &best, records);

	for (best.wall = best.cpu = 1e9, run = 0; run < 3; run++) {
		start(&t);
		records = parse(map, len, NULL, &sum);
		stop(&t, &best);
	}
	report("chunk", len, &best, records);

	for (best.wall = best.cpu = 1e9, run = 0; run < 3; run++) {
		struct fdsrc src = {fd};
		struct mlg_csv_reader r;
		struct mlg_csv_record rec;
		int ret;

		lseek(fd, 0, SEEK_SET);
		start(&t);
		mlg_csv_reader_init(&r, NULL, fd_read, &src, 0);
		records = 0;
		while ((ret = mlg_csv_reader_next(&r, &rec)) == 1) {
			records++;
			for (i = 0; i < rec.nfields; i++)
				sum += rec.fields[i].len;
		}
		mlg_csv_reader_release(&r);
		stop(&t, &best);
	}
	report("reader", len, &best, records);

	for (best.wall = best.cpu = 1e9, run = 0; run < 3; run++) {
		struct fdsrc src = {fd};
		struct mlg_csv_reader r;
		const char *p;
		size_t n;
		struct mlg_csv_pos at;

		lseek(fd, 0, SEEK_SET);
		start(&t);
		mlg_csv_reader_init(&r, NULL, fd_read, &src, 0);
		records = 0;
		while (mlg_csv_reader_next_chunk(&r, &p, &n, &at) == 1)
			records += parse(p, n, &at, &sum);
		mlg_csv_reader_release(&r);
		stop(&t, &best);
	}
	report("chunks", len, &best, records);

	if (threads > 1) {
		struct part *parts = calloc(threads, sizeof(*parts));
		pthread_t *tid = calloc(threads, sizeof(*tid));
		char what[32];

		for (best.wall = best.cpu = 1e9, run = 0; run < 3; run++) {
			struct mlg_csv_pos at = MLG_CSV_POS_INIT;
			size_t pos = 0;
			int k;

			start(&t);
			/* cut near len * k / threads: split() finds the last
			 * record boundary before it, with the lines and
			 * records that position the next part */
			for (k = 0; k < threads; k++) {
				size_t end = len * (k + 1) / threads, n;
				struct mlg_csv_count cnt;

				if (k == threads - 1) {
					n = len - pos;
				} else {
					n = mlg_csv_split(&cnt, NULL, map + pos,
							  end - pos, 0);
				}
				parts[k].p = map + pos;
				parts[k].n = n;
				parts[k].at = at;
				parts[k].sum = 0;
				if (k < threads - 1) {
					at.line += cnt.lines;
					at.record += cnt.records;
				}
				pos += n;
				at.offset = pos;
				pthread_create(&tid[k], NULL, worker,
					       &parts[k]);
			}
			records = 0;
			for (k = 0; k < threads; k++) {
				pthread_join(tid[k], NULL);
				records += parts[k].records;
				sum += parts[k].sum;
			}
			stop(&t, &best);
		}
		snprintf(what, sizeof(what), "%d thr", threads);
		report(what, len, &best, records);
		free(parts);
		free(tid);
	}
	fprintf(stderr, "(checksum %llu)\n", sum);
	munmap((void *)map, len);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--generate"))
		return generate(argv[2], atol(argv[3]));
	if (argc == 2 || argc == 3)
		return bench(argv[1], argc == 3 ? atoi(argv[2]) : 1);
	fprintf(stderr, "usage: csv-parse --generate FILE MB\n"
			"       csv-parse FILE [THREADS]\n");
	return 2;
}
