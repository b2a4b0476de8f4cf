/* mtconfig.c - model-test's gate config file (see mtconfig.h) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/error.h"
#include "mlgate/mtconfig.h"
#include "mlgate/slices.h"
#include "mlgate/threshold.h"
#include "mlgate/util.h"
#include "mlgate/yaml.h"

enum { L_THRESHOLD, L_SLICE, L_GAP };

/* Check one item of a list as model-test will read it; 0 or
 * MLG_EINVALID at `ptr`. */
static int check_item(const struct mlg_json_doc *doc, const char *ptr,
		      const char *s, int kind)
{
	struct mlg_slices sl = MLG_SLICES_INIT;
	struct mlg_threshold t;
	char *why;
	int rc;

	if (kind == L_SLICE) {
		rc = mlg_slices_add_spec(&sl, s, 0);
	} else {
		rc = kind == L_GAP ? mlg_slices_parse_gap(&t, s)
				   : mlg_threshold_parse(&t, s);
		/* model-test adds the slice a selector names */
		if (!rc && t.selector)
			rc = mlg_slices_add_spec(&sl, t.selector, 0);
		mlg_threshold_release(&t);
	}
	mlg_slices_release(&sl);
	if (!rc)
		return 0;
	why = mlg_strdup(mlg_error_message());
	if (kind == L_SLICE)
		rc = mlg_json_error(doc, ptr, "%s", why);
	else
		rc = mlg_json_error(
			doc, ptr, "bad %s '%s': %s",
			kind == L_GAP ? "max_slice_gap" : "threshold", s, why);
	free(why);
	return rc;
}

/* The strings of list `key` into *out (borrowed from the document). */
static int list(const char ***out, size_t *n, const struct mlg_json_doc *doc,
		const char *key, int kind)
{
	json_t *arr = json_object_get(doc->root, key), *v;
	char ptr[64];
	size_t i;
	int rc;

	if (!arr)
		return 0;
	snprintf(ptr, sizeof(ptr), "/%s", key);
	if (!json_is_array(arr))
		return mlg_json_error(doc, ptr,
				      "expected an array of %s, found "
				      "%s",
				      kind == L_SLICE ? "column lists"
						      : "rules",
				      mlg_json_type_name(arr));
	*out = mlg_calloc(json_array_size(arr) + 1, sizeof(**out));
	json_array_foreach (arr, i, v) {
		snprintf(ptr, sizeof(ptr), "/%s/%zu", key, i);
		if (!json_is_string(v))
			return mlg_json_error(doc, ptr,
					      "expected a string, found %s",
					      mlg_json_type_name(v));
		if ((rc = check_item(doc, ptr, json_string_value(v), kind)))
			return rc;
		(*out)[(*n)++] = json_string_value(v);
	}
	return 0;
}

int mlg_mtconfig_load(struct mlg_mtconfig *out, const char *path)
{
	static const char *const keys[] = {"thresholds", "slices",
					   "min_slice_size", "max_slice_gap",
					   NULL};
	uint64_t min = 0;
	int rc, has_min = 0;

	memset(out, 0, sizeof(*out));
	out->min_slice_size = -1;
	if ((rc = mlg_config_load(&out->doc, path, 0)))
		return rc;
	if ((rc = mlg_json_check_keys(&out->doc, out->doc.root, "", keys)) ||
	    (rc = list(&out->thresholds, &out->nthresholds, &out->doc,
		       "thresholds", L_THRESHOLD)) ||
	    (rc = list(&out->slices, &out->nslices, &out->doc, "slices",
		       L_SLICE)) ||
	    (rc = list(&out->gaps, &out->ngaps, &out->doc, "max_slice_gap",
		       L_GAP)))
		goto done;
	has_min = json_object_get(out->doc.root, "min_slice_size") != NULL;
	if ((rc = mlg_json_get_count(&out->doc, out->doc.root, "",
				     "min_slice_size", 0, &min)))
		goto done;
	if (has_min && min > 1000000000)
		rc = mlg_json_error(&out->doc, "/min_slice_size",
				    "%llu is above 1000000000",
				    (unsigned long long)min);
	else if (has_min)
		out->min_slice_size = (long)min;
done:
	if (rc)
		mlg_mtconfig_release(out);
	return rc;
}

void mlg_mtconfig_release(struct mlg_mtconfig *c)
{
	mlg_json_doc_release(&c->doc);
	free(c->thresholds);
	free(c->slices);
	free(c->gaps);
	memset(c, 0, sizeof(*c));
	c->min_slice_size = -1;
}
