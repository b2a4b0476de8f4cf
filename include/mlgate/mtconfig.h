/*
 * mtconfig.h - model-test's gate config file
 *
 * What a pipeline keeps in its repository rather than on the command
 * line, as JSON or YAML (yaml.h, mlg_config_load()):
 *
 *	{
 *	  "thresholds": ["roc_auc >= 0.85", "f1[country=US] >= 0.8",
 *	                 "p99 < 250ms"],
 *	  "slices": ["country", "country,age_band"],
 *	  "min_slice_size": 50,
 *	  "max_slice_gap": ["f1 <= 0.05"]
 *	}
 *
 * Every member is optional; an unknown one is an error. The lists add to
 * --threshold, --slice and --max-slice-gap; --min-slice-size, when given,
 * wins over min_slice_size. Each rule is parsed here, and the slice a
 * threshold's selector names is checked, so a bad one is reported at its
 * place in the file:
 *
 *	'gate.json': 2:18: /thresholds/0: bad threshold 'auc >> 1': ...
 *
 * (YAML files too: yaml.h keeps where each value starts.)
 */
#ifndef MLGATE_MTCONFIG_H
#define MLGATE_MTCONFIG_H

#include <stddef.h>

#include "mlgate/json.h"

struct mlg_mtconfig {
	struct mlg_json_doc doc; /* owns the strings below */
	const char **thresholds, **slices, **gaps;
	size_t nthresholds, nslices, ngaps;
	long min_slice_size; /* -1: not set */
};

/*
 * Load `path` into `out` (released on error, so mlg_mtconfig_release()
 * is always safe). Errors: those of mlg_config_load(), and MLG_EINVALID
 * at the pointer of the bad value: "expected an array of rules", "expected
 * a string, found <type>", "bad threshold '<rule>': <why>", "bad
 * max_slice_gap '<rule>': expected a metric name such as 'f1 <= 0.05'",
 * "empty slice", "expected a count ...", "unknown property '<key>'".
 */
int mlg_mtconfig_load(struct mlg_mtconfig *out, const char *path);
void mlg_mtconfig_release(struct mlg_mtconfig *c);

#endif
