/*
 * scratch.h - a file of the process's own, for the harnesses that give
 * their input to a loader by path, as the tools read it
 */
#ifndef MLGATE_FUZZ_SCRATCH_H
#define MLGATE_FUZZ_SCRATCH_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char fuzz_scratch_dir[] = "/tmp/fuzz.XXXXXX";
static char fuzz_scratch_path[96];

static void fuzz_scratch_remove(void)
{
	unlink(fuzz_scratch_path);
	rmdir(fuzz_scratch_dir);
}

/* Write `len` bytes of `text` to the file `name` (the same on every
 * call) in a directory made on the first call and removed at exit;
 * returns its path. abort() when it cannot. */
static inline const char *fuzz_scratch_write(const char *name, const char *text,
					     size_t len)
{
	FILE *fp;

	if (!fuzz_scratch_path[0]) {
		if (!mkdtemp(fuzz_scratch_dir))
			abort();
		snprintf(fuzz_scratch_path, sizeof(fuzz_scratch_path), "%s/%s",
			 fuzz_scratch_dir, name);
		atexit(fuzz_scratch_remove);
	}
	fp = fopen(fuzz_scratch_path, "wb");
	if (!fp || fwrite(text, 1, len, fp) != len || fclose(fp))
		abort();
	return fuzz_scratch_path;
}

#endif
