/* git.c - libgit2 setup, error conversion and reading history */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/git.h"
#include "mlgate/util.h"

/* libgit2's start-up reads the system's CA certificates (tens of
 * milliseconds): it is paid once, by the first repository opened, so a
 * gate that never touches git does not pay it. */
static int inited;

int mlg_git_init(void)
{
	int rc;

	if (inited)
		return 0;
	if ((rc = git_libgit2_init()) < 0)
		return mlg_git_error(rc, "cannot initialise libgit2");
	/* Like git itself, do not hash every object again on each read:
	 * a history blob of megabytes would cost more than the gate. */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	inited = 1;
	return 0;
}

void mlg_git_shutdown(void)
{
	if (inited)
		git_libgit2_shutdown();
	inited = 0;
}

int mlg_git_error(int git_rc, const char *what)
{
	const git_error *e = git_error_last();
	const char *msg = e && e->message ? e->message : "unknown git error";
	int code = MLG_ERROR;

	if (git_rc == GIT_ENOTFOUND)
		code = MLG_ENOTFOUND;
	else if (e &&
		 (e->klass == GIT_ERROR_NET || e->klass == GIT_ERROR_HTTP ||
		  e->klass == GIT_ERROR_SSH || e->klass == GIT_ERROR_SSL))
		code = MLG_ENETWORK;
	return mlg_error_set(code, "%s: %s", what, msg);
}

struct mlg_git_repo {
	git_repository *repo;
};

int mlg_git_open(struct mlg_git_repo **out, const char *path)
{
	git_repository *repo = NULL;
	struct mlg_buf what = MLG_BUF_INIT;
	int rc;

	*out = NULL;
	if ((rc = mlg_git_init()))
		return rc;
	rc = git_repository_open_ext(&repo, path, 0, NULL);
	if (rc < 0) {
		mlg_buf_addf(&what, "no git repository at '%s'", path);
		rc = mlg_git_error(rc, what.ptr);
		mlg_buf_release(&what);
		return rc;
	}
	*out = mlg_malloc(sizeof(**out));
	(*out)->repo = repo;
	return 0;
}

void mlg_git_close(struct mlg_git_repo *r)
{
	if (!r)
		return;
	git_repository_free(r->repo);
	free(r);
}

int mlg_git_rel_path(char **out, struct mlg_git_repo *r, const char *path)
{
	const char *wd = git_repository_workdir(r->repo);
	char *file = NULL, *root = NULL;
	size_t n;
	int rc = 0;

	*out = NULL;
	if (!wd)
		return mlg_error_set(MLG_EINVALID,
				     "the repository of '%s' has no working "
				     "tree",
				     path);
	if (!(file = realpath(path, NULL))) {
		rc = mlg_error_errno(errno, "cannot resolve '%s'", path);
		goto done;
	}
	if (!(root = realpath(wd, NULL))) {
		rc = mlg_error_errno(errno, "cannot resolve '%s'", wd);
		goto done;
	}
	n = strlen(root);
	/* realpath() gives "/" alone for the file system root */
	if (n == 1)
		n = 0;
	if (strncmp(file, root, n) || file[n] != '/' || !file[n + 1]) {
		rc = mlg_error_set(MLG_EINVALID,
				   "'%s' is outside the working tree '%s'",
				   path, root);
		goto done;
	}
	*out = mlg_strdup(file + n + 1);
done:
	free(file);
	free(root);
	return rc;
}

static int resolve(git_commit **out, struct mlg_git_repo *r, const char *rev)
{
	git_object *obj = NULL;
	int rc;

	*out = NULL;
	rc = git_revparse_single(&obj, r->repo, rev);
	if (rc >= 0) {
		rc = git_object_peel((git_object **)out, obj,
				     GIT_OBJECT_COMMIT);
		git_object_free(obj);
	}
	if (rc < 0) {
		const git_error *e = git_error_last();

		/* an unknown revision is a broken pipeline (a shallow clone,
		 * a missing fetch), not an absent baseline file: MLG_ERROR
		 * even for GIT_ENOTFOUND */
		return mlg_error_set(
			MLG_ERROR, "cannot resolve revision '%s': %s", rev,
			e && e->message ? e->message : "unknown git error");
	}
	return 0;
}

/*
 * The object of `type` at `path` in the tree of `rev`: a new reference.
 * An empty path names the root tree when `type` is a tree; `kind` names
 * the type in the error when the path holds another one.
 */
static int object_at(git_object **out, struct mlg_git_repo *r, const char *rev,
		     const char *path, git_object_t type, const char *kind)
{
	git_commit *commit = NULL;
	git_tree *root = NULL;
	git_tree_entry *entry = NULL;
	int rc;

	*out = NULL;
	if ((rc = resolve(&commit, r, rev)))
		return rc;
	if ((rc = git_commit_tree(&root, commit)) < 0) {
		rc = mlg_git_error(rc, "cannot read tree");
		goto done;
	}
	if (!*path && type == GIT_OBJECT_TREE) {
		*out = (git_object *)root;
		root = NULL;
		goto done;
	}
	if (git_tree_entry_bypath(&entry, root, path) < 0) {
		rc = mlg_error_set(MLG_ENOTFOUND, "'%s' does not exist at '%s'",
				   path, rev);
		goto done;
	}
	if (git_tree_entry_type(entry) != type) {
		rc = mlg_error_set(MLG_EINVALID, "'%s' at '%s' is not a %s",
				   path, rev, kind);
		goto done;
	}
	if ((rc = git_tree_entry_to_object(out, r->repo, entry)) < 0)
		rc = mlg_git_error(rc, type == GIT_OBJECT_BLOB
					       ? "cannot read blob"
					       : "cannot read tree");
done:
	git_tree_entry_free(entry);
	git_tree_free(root);
	git_commit_free(commit);
	return rc;
}

int mlg_git_read_blob_at(struct mlg_buf *out, struct mlg_git_repo *r,
			 const char *rev, const char *path, size_t max)
{
	git_object *obj;
	git_blob *blob;
	git_object_size_t size;
	int rc;

	if ((rc = object_at(&obj, r, rev, path, GIT_OBJECT_BLOB, "file")))
		return rc;
	blob = (git_blob *)obj;
	size = git_blob_rawsize(blob);
	if (max && size > max) {
		rc = mlg_error_set(MLG_ELIMIT,
				   "'%s' at '%s' is larger than %zu bytes",
				   path, rev, max);
		goto done;
	}
	rc = mlg_buf_add(out, git_blob_rawcontent(blob), (size_t)size);
done:
	git_blob_free(blob);
	return rc;
}

int mlg_git_branch_ref(char **out, struct mlg_git_repo *r, const char *branch)
{
	static const char *const pre[] = {"refs/heads/",
					  "refs/remotes/origin/"};
	git_reference *ref;
	size_t i;

	*out = NULL;
	for (i = 0; i < 2; i++) {
		char *name = mlg_strfmt("%s%s", pre[i], branch);

		if (git_reference_lookup(&ref, r->repo, name) >= 0) {
			git_reference_free(ref);
			*out = name;
			return 0;
		}
		free(name);
	}
	return mlg_error_set(MLG_ENOTFOUND,
			     "branch '%s' not found (tried refs/heads/%s and "
			     "refs/remotes/origin/%s)",
			     branch, branch, branch);
}

int mlg_git_merge_base(char out[MLG_GIT_HEX], struct mlg_git_repo *r,
		       const char *a, const char *b)
{
	git_commit *ca = NULL, *cb = NULL;
	git_oid base;
	int rc;

	if ((rc = resolve(&ca, r, a)) || (rc = resolve(&cb, r, b)))
		goto done;
	rc = git_merge_base(&base, r->repo, git_commit_id(ca),
			    git_commit_id(cb));
	if (rc == GIT_ENOTFOUND) {
		rc = mlg_error_set(MLG_ENOTFOUND,
				   "no merge base between '%s' and '%s'", a, b);
		goto done;
	}
	if (rc < 0) {
		rc = mlg_git_error(rc, "cannot find the merge base");
		goto done;
	}
	git_oid_tostr(out, MLG_GIT_HEX, &base);
	rc = 0;
done:
	git_commit_free(ca);
	git_commit_free(cb);
	return rc;
}

int mlg_git_resolve(char out[MLG_GIT_HEX], struct mlg_git_repo *r,
		    const char *rev)
{
	git_commit *c = NULL;
	int rc;

	if ((rc = resolve(&c, r, rev)))
		return rc;
	git_oid_tostr(out, MLG_GIT_HEX, git_commit_id(c));
	git_commit_free(c);
	return 0;
}

int mlg_git_ref_read(char out[MLG_GIT_HEX], struct mlg_git_repo *r,
		     const char *ref)
{
	git_oid id;
	int rc = git_reference_name_to_id(&id, r->repo, ref);

	if (rc == GIT_ENOTFOUND)
		return mlg_error_set(MLG_ENOTFOUND, "reference '%s' not found",
				     ref);
	if (rc < 0)
		return mlg_git_error(rc, "cannot read reference");
	git_oid_tostr(out, MLG_GIT_HEX, &id);
	return 0;
}

void mlg_git_head_branch(char **out, struct mlg_git_repo *r)
{
	git_reference *head = NULL;
	const char *name;

	*out = NULL;
	if (git_repository_head(&head, r->repo) < 0)
		return;
	name = git_reference_name(head);
	if (mlg_starts_with(name, "refs/heads/"))
		*out = mlg_strdup(name + strlen("refs/heads/"));
	git_reference_free(head);
}

static int parse_oid(git_oid *out, const char *hex)
{
	if (strlen(hex) != GIT_OID_HEXSZ || git_oid_fromstr(out, hex) < 0)
		return mlg_error_set(MLG_EINVALID, "invalid object id '%s'",
				     hex);
	return 0;
}

int mlg_git_is_ancestor(int *out, struct mlg_git_repo *r, const char *a,
			const char *b)
{
	git_oid ia, ib;
	git_odb *odb = NULL;
	int rc;

	*out = 0;
	if ((rc = parse_oid(&ia, a)) || (rc = parse_oid(&ib, b)))
		return rc;
	if (git_oid_equal(&ia, &ib)) {
		*out = 1;
		return 0;
	}
	/* a record of a commit that was never fetched here (a shallow
	 * clone, a rewritten branch) is simply not in this history */
	if ((rc = git_repository_odb(&odb, r->repo)) < 0)
		return mlg_git_error(rc, "cannot open the object database");
	rc = git_odb_exists(odb, &ia) && git_odb_exists(odb, &ib);
	git_odb_free(odb);
	if (!rc)
		return 0;
	rc = git_graph_descendant_of(r->repo, &ib, &ia);
	if (rc < 0)
		return mlg_git_error(rc, "cannot walk history");
	*out = rc;
	return 0;
}

/* The commits seen by the walk: an open-addressing set of ids. */
struct mlg_git_ancestry {
	struct mlg_git_repo *r;
	git_revwalk *walk;
	git_odb *odb;
	git_oid base;
	git_oid *set;
	size_t n, cap;
	int done; /* 1: the walk saw every ancestor, 2: it broke off */
};

static size_t oid_slot(const struct mlg_git_ancestry *a, const git_oid *id)
{
	size_t h;

	/* ids are hashes already: their first bytes spread well */
	memcpy(&h, id->id, sizeof(h));
	return h & (a->cap - 1);
}

static int seen(const struct mlg_git_ancestry *a, const git_oid *id)
{
	size_t i;

	for (i = oid_slot(a, id); !git_oid_is_zero(&a->set[i]);
	     i = (i + 1) & (a->cap - 1))
		if (git_oid_equal(&a->set[i], id))
			return 1;
	return 0;
}

static void remember(struct mlg_git_ancestry *a, const git_oid *id)
{
	git_oid *old = a->set;
	size_t i, oldcap = a->cap;

	if ((a->n + 1) * 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 1024;
		a->set = mlg_malloc(a->cap * sizeof(*a->set));
		memset(a->set, 0, a->cap * sizeof(*a->set));
		a->n = 0;
		for (i = 0; i < oldcap; i++)
			if (!git_oid_is_zero(&old[i]))
				remember(a, &old[i]);
		free(old);
	}
	for (i = oid_slot(a, id); !git_oid_is_zero(&a->set[i]);
	     i = (i + 1) & (a->cap - 1))
		if (git_oid_equal(&a->set[i], id))
			return;
	git_oid_cpy(&a->set[i], id);
	a->n++;
}

int mlg_git_ancestry_new(struct mlg_git_ancestry **out, struct mlg_git_repo *r,
			 const char *base)
{
	struct mlg_git_ancestry *a;
	int rc;

	*out = NULL;
	a = mlg_malloc(sizeof(*a));
	memset(a, 0, sizeof(*a));
	a->r = r;
	if ((rc = parse_oid(&a->base, base)))
		goto failed;
	/* no sorting: the walk is lazy, a commit at a time */
	if ((rc = git_repository_odb(&a->odb, r->repo)) < 0 ||
	    (rc = git_revwalk_new(&a->walk, r->repo)) < 0 ||
	    (rc = git_revwalk_sorting(a->walk, GIT_SORT_NONE)) < 0 ||
	    (rc = git_revwalk_push(a->walk, &a->base)) < 0) {
		rc = mlg_git_error(rc, "cannot walk history");
		goto failed;
	}
	*out = a;
	return 0;
failed:
	mlg_git_ancestry_free(a);
	return rc;
}

void mlg_git_ancestry_free(struct mlg_git_ancestry *a)
{
	if (!a)
		return;
	git_revwalk_free(a->walk);
	git_odb_free(a->odb);
	free(a->set);
	free(a);
}

int mlg_git_ancestry_check(int *out, struct mlg_git_ancestry *a,
			   const char *hex)
{
	git_oid id, next;
	char base[MLG_GIT_HEX];
	size_t steps;
	int rc;

	*out = 0;
	if ((rc = parse_oid(&id, hex)))
		return rc;
	if (git_oid_equal(&id, &a->base) || (a->set && seen(a, &id))) {
		*out = 1;
		return 0;
	}
	/* a record of a commit never fetched here is not in this
	 * history (as in mlg_git_is_ancestor()) */
	if (!git_odb_exists(a->odb, &id))
		return 0;
	for (steps = 0; !a->done && steps < 4096; steps++) {
		rc = git_revwalk_next(&next, a->walk);
		/* a missing parent (a shallow clone) breaks the walk off;
		 * the exact check below still answers */
		if (rc < 0) {
			a->done = rc == GIT_ITEROVER ? 1 : 2;
			break;
		}
		remember(a, &next);
		if (git_oid_equal(&next, &id)) {
			*out = 1;
			return 0;
		}
	}
	if (a->done == 1)
		return 0;
	git_oid_tostr(base, sizeof(base), &a->base);
	return mlg_git_is_ancestor(out, a->r, hex, base);
}

static int signature(git_signature **out, git_repository *repo)
{
	if (git_signature_default(out, repo) >= 0)
		return 0;
	/* CI runners often have no user.name: the ref is data, not code */
	if (git_signature_now(out, "mlgate", "mlgate@localhost") < 0)
		return mlg_git_error(-1, "cannot make a signature");
	return 0;
}

/* Commit `tree` on `pc` (NULL: a root commit) and move `ref` there by
 * compare-and-swap. */
static int commit_tree(char out[MLG_GIT_HEX], struct mlg_git_repo *r,
		       const char *ref, git_commit *pc, git_tree *tree,
		       const char *msg)
{
	git_oid commit_id;
	git_signature *sig = NULL;
	git_reference *nref = NULL;
	const git_commit *parents[1];
	int rc;

	if ((rc = signature(&sig, r->repo)))
		goto done;
	parents[0] = pc;
	rc = git_commit_create(&commit_id, r->repo, NULL, sig, sig, NULL, msg,
			       tree, pc ? 1 : 0, parents);
	if (rc < 0) {
		rc = mlg_git_error(rc, "cannot write commit");
		goto done;
	}
	/* compare-and-swap: a concurrent writer makes this fail, never
	 * silently drops its commit */
	if (pc)
		rc = git_reference_create_matching(&nref, r->repo, ref,
						   &commit_id, 1,
						   git_commit_id(pc), msg);
	else
		rc = git_reference_create(&nref, r->repo, ref, &commit_id, 0,
					  msg);
	if (rc < 0) {
		const git_error *e = git_error_last();

		rc = mlg_error_set(MLG_ERROR, "cannot update '%s': %s", ref,
				   e && e->message ? e->message
						   : "unknown git error");
		goto done;
	}
	git_oid_tostr(out, MLG_GIT_HEX, &commit_id);
	rc = 0;
done:
	git_reference_free(nref);
	git_signature_free(sig);
	return rc;
}

void mlg_git_tree_release(struct mlg_git_tree *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->items[i].name);
	free(t->items);
	memset(t, 0, sizeof(*t));
}

int mlg_git_list_tree(struct mlg_git_tree *out, struct mlg_git_repo *r,
		      const char *rev, const char *path)
{
	git_object *obj;
	git_tree *tree;
	struct mlg_git_tree_entry *it;
	const git_tree_entry *e;
	size_t i, n;
	int rc;

	if ((rc = object_at(&obj, r, rev, path, GIT_OBJECT_TREE, "folder")))
		return rc;
	tree = (git_tree *)obj;
	n = git_tree_entrycount(tree);
	for (i = 0; i < n; i++) {
		e = git_tree_entry_byindex(tree, i);
		out->items = mlg_grow(out->items, sizeof(*out->items),
				      out->n + 1, &out->alloc);
		it = &out->items[out->n++];
		it->name = mlg_strdup(git_tree_entry_name(e));
		git_oid_tostr(it->id, MLG_GIT_HEX, git_tree_entry_id(e));
		it->is_blob = git_tree_entry_type(e) == GIT_OBJECT_BLOB;
	}
	git_tree_free(tree);
	return 0;
}

int mlg_git_read_blob(struct mlg_buf *out, struct mlg_git_repo *r,
		      const char *id, const char *name, size_t max)
{
	git_odb *odb = NULL;
	git_odb_object *obj = NULL;
	git_oid oid;
	size_t size;
	int rc;

	if ((rc = parse_oid(&oid, id)))
		return rc;
	if ((rc = git_repository_odb(&odb, r->repo)) < 0)
		return mlg_git_error(rc, "cannot open the object database");
	/* the size first: a blob over the limit is not inflated */
	if (max) {
		size_t hsize;
		git_object_t type;

		rc = git_odb_read_header(&hsize, &type, odb, &oid);
		if (!rc && type == GIT_OBJECT_BLOB && hsize > max) {
			rc = mlg_error_set(MLG_ELIMIT,
					   "'%s' is larger than %zu bytes",
					   name, max);
			goto done;
		}
	}
	rc = git_odb_read(&obj, odb, &oid);
	if (rc == GIT_ENOTFOUND) {
		rc = mlg_error_set(MLG_ENOTFOUND, "'%s': blob %s not found",
				   name, id);
		goto done;
	}
	if (rc < 0) {
		rc = mlg_git_error(rc, "cannot read blob");
		goto done;
	}
	if (git_odb_object_type(obj) != GIT_OBJECT_BLOB) {
		rc = mlg_error_set(MLG_EINVALID, "'%s': %s is not a blob", name,
				   id);
		goto done;
	}
	size = git_odb_object_size(obj);
	if (max && size > max) {
		rc = mlg_error_set(MLG_ELIMIT, "'%s' is larger than %zu bytes",
				   name, max);
		goto done;
	}
	rc = mlg_buf_add(out, git_odb_object_data(obj), size);
done:
	git_odb_object_free(obj);
	git_odb_free(odb);
	return rc;
}

/* A path of '/'-separated names, none empty, "." or "..". */
static int valid_path(const char *p)
{
	const char *s, *e;
	size_t n;

	if (!*p)
		return 0;
	for (s = p;; s = e + 1) {
		e = strchr(s, '/');
		n = e ? (size_t)(e - s) : strlen(s);
		if (!n || (n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return 0;
		if (!e)
			return 1;
	}
}

int mlg_git_commit_edits(char out[MLG_GIT_HEX], struct mlg_git_repo *r,
			 const char *ref, const char *parent,
			 const struct mlg_git_tree_edit *edits, size_t n,
			 const char *msg)
{
	git_oid parent_id, tree_id;
	git_commit *pc = NULL;
	git_tree *base = NULL, *tree = NULL;
	git_treebuilder *tb = NULL;
	git_tree_update *up = NULL;
	size_t i;
	int rc;

	if (parent && (rc = parse_oid(&parent_id, parent)))
		return rc;
	up = mlg_malloc((n ? n : 1) * sizeof(*up));
	memset(up, 0, (n ? n : 1) * sizeof(*up));
	for (i = 0; i < n; i++) {
		if (!valid_path(edits[i].path)) {
			rc = mlg_error_set(MLG_EINVALID,
					   "invalid tree path '%s'",
					   edits[i].path);
			goto done;
		}
		if (edits[i].id && (rc = parse_oid(&up[i].id, edits[i].id)))
			goto done;
	}
	for (i = 0; i < n; i++) {
		up[i].action = GIT_TREE_UPDATE_UPSERT;
		up[i].filemode = GIT_FILEMODE_BLOB;
		up[i].path = edits[i].path;
		if (!edits[i].id && (rc = git_blob_create_from_buffer(
					     &up[i].id, r->repo, edits[i].data,
					     edits[i].len)) < 0)
			goto git_failed;
	}
	/* libgit2 edits a baseline tree; a root commit starts empty */
	if (parent) {
		if ((rc = git_commit_lookup(&pc, r->repo, &parent_id)) < 0 ||
		    (rc = git_commit_tree(&base, pc)) < 0)
			goto git_failed;
	} else if ((rc = git_treebuilder_new(&tb, r->repo, NULL)) < 0 ||
		   (rc = git_treebuilder_write(&tree_id, tb)) < 0 ||
		   (rc = git_tree_lookup(&base, r->repo, &tree_id)) < 0) {
		goto git_failed;
	}
	if ((rc = git_tree_create_updated(&tree_id, r->repo, base, n, up)) <
		    0 ||
	    (rc = git_tree_lookup(&tree, r->repo, &tree_id)) < 0)
		goto git_failed;
	rc = commit_tree(out, r, ref, pc, tree, msg);
	goto done;
git_failed:
	rc = mlg_git_error(rc, "cannot write objects");
done:
	git_tree_free(tree);
	git_tree_free(base);
	git_treebuilder_free(tb);
	git_commit_free(pc);
	free(up);
	return rc;
}

/* `remote` is a configured name or else a URL or path. (libgit2 1.5.1
 * leaks pcre2 match data in every remote it creates, through its
 * url.*.insteadOf lookup: LeakSanitizer reports it.) */
static int remote_open(git_remote **out, struct mlg_git_repo *r,
		       const char *remote)
{
	int rc = git_remote_lookup(out, r->repo, remote);

	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC)
		rc = git_remote_create_anonymous(out, r->repo, remote);
	return rc;
}

/* The end of a push or fetch: `rc` as an error that names the remote. */
static int remote_done(int rc, git_remote *rem, const char *verb,
		       const char *remote)
{
	char *what;

	if (rc < 0) {
		what = mlg_strfmt("cannot %s '%s'", verb, remote);
		rc = mlg_git_error(rc, what);
		free(what);
	}
	git_remote_free(rem);
	return rc;
}

static int on_update(const char *refname, const char *status, void *data)
{
	(void)refname;
	if (status)
		*(int *)data = 1;
	return 0;
}

int mlg_git_push(int *rejected, struct mlg_git_repo *r, const char *remote,
		 const char *spec)
{
	git_push_options po;
	git_remote *rem = NULL;
	git_strarray arr = {(char **)&spec, 1};
	int rc;

	*rejected = 0;
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	po.callbacks.push_update_reference = on_update;
	po.callbacks.payload = rejected;
	if ((rc = remote_open(&rem, r, remote)) >= 0)
		rc = git_remote_push(rem, &arr, &po);
	/* libgit2 refuses a non-fast-forward itself when it knows the
	 * remote tip; the remote refuses it otherwise (the callback) */
	if (rc == GIT_ENONFASTFORWARD) {
		*rejected = 1;
		rc = 0;
	}
	return remote_done(rc, rem, "push to", remote);
}

int mlg_git_fetch(struct mlg_git_repo *r, const char *remote, const char *spec)
{
	git_fetch_options fo;
	git_remote *rem = NULL;
	git_strarray arr = {(char **)&spec, 1};
	int rc;

	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	if ((rc = remote_open(&rem, r, remote)) >= 0)
		rc = git_remote_fetch(rem, &arr, &fo, NULL);
	return remote_done(rc, rem, "fetch from", remote);
}
