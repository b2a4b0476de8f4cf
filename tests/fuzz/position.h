/*
 * position.h - the "LINE:COLUMN:" of a located error message, for the
 * harnesses that check where a refusal points
 */
#ifndef MLGATE_FUZZ_POSITION_H
#define MLGATE_FUZZ_POSITION_H

#include <stdlib.h>

/* "LINE:COLUMN:" at `p`, both from 1, into *line and *col; returns what
 * follows the second colon. abort() when it is not there. */
static inline const char *fuzz_position(const char *p, unsigned long *line,
					unsigned long *col)
{
	char *end;

	*line = strtoul(p, &end, 10);
	if (end == p || *end != ':' || !*line)
		abort();
	p = end + 1;
	*col = strtoul(p, &end, 10);
	if (end == p || *end != ':' || !*col)
		abort();
	return end + 1;
}

#endif
