/*
 * replay.c - run a fuzz target over saved inputs, without libFuzzer
 *
 *	fuzz_<name> FILE|DIR...
 *
 * Each file (each regular file of a directory, not recursing) is passed
 * once to LLVMFuzzerTestOneInput(). A target reports a bug by crashing or
 * aborting, so reaching the end means every input passed: the last line
 * is "N passed, 0 failed", the line tests/run.sh adds up. A file that
 * cannot be read counts as failed.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int passed, failed;

static void run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t len = 0, alloc = 0, n;

	if (!fp) {
		perror(path);
		failed++;
		return;
	}
	do {
		if (len == alloc) {
			alloc = alloc ? 2 * alloc : 4096;
			data = realloc(data, alloc);
			if (!data) {
				fprintf(stderr, "%s: out of memory\n", path);
				exit(2);
			}
		}
		n = fread(data + len, 1, alloc - len, fp);
		len += n;
	} while (n);
	if (ferror(fp)) {
		perror(path);
		failed++;
	} else {
		/* a private copy of the exact size, so ASan sees overreads */
		uint8_t *copy = malloc(len ? len : 1);

		if (!copy)
			exit(2);
		memcpy(copy, data, len);
		LLVMFuzzerTestOneInput(copy, len);
		free(copy);
		passed++;
	}
	fclose(fp);
	free(data);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_dir(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, alloc = 0, i;

	if (!dp) {
		perror(dir);
		failed++;
		return;
	}
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			names = realloc(names, alloc * sizeof(*names));
			if (!names)
				exit(2);
		}
		names[n] = malloc(strlen(dir) + strlen(de->d_name) + 2);
		if (!names[n])
			exit(2);
		sprintf(names[n++], "%s/%s", dir, de->d_name);
	}
	closedir(dp);
	/* a stable order makes a failure easy to find again */
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		struct stat st;

		if (!stat(names[i], &st) && S_ISREG(st.st_mode))
			run_file(names[i]);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st)) {
			perror(argv[i]);
			failed++;
		} else if (S_ISDIR(st.st_mode)) {
			run_dir(argv[i]);
		} else {
			run_file(argv[i]);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
