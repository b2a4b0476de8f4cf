/* json.c - JSON documents over jansson that can say where a value is */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mlgate/buf.h"
#include "mlgate/error.h"
#include "mlgate/json.h"
#include "mlgate/util.h"

#define PARSE_FLAGS (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)
/* jansson's own parser limit: dump refuses what the parser would. */
#define MAX_DEPTH 2048
/* mlg_json_locate()'s internal code for text it cannot follow. */
#define BROKEN 1

static int has_bom(const char *s, size_t len)
{
	return len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3);
}

void mlg_json_add_safe(struct mlg_buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			mlg_buf_addf(b, "\\u%04x", c);
		else
			mlg_buf_addch(b, c);
	}
}

int mlg_json_error_set(int code, const char *fmt, ...)
{
	struct mlg_buf raw = MLG_BUF_INIT, safe = MLG_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	mlg_buf_vaddf(&raw, fmt, ap);
	va_end(ap);
	mlg_json_add_safe(&safe, raw.ptr, raw.len);
	mlg_error_set(code, "%s", safe.ptr);
	mlg_buf_release(&raw);
	mlg_buf_release(&safe);
	return code;
}

/* 1-based line and byte column of offset `off`; a leading BOM takes no
 * column, as in an editor. */
static void position(const char *text, size_t len, size_t off, uint64_t *line,
		     uint64_t *col)
{
	const char *p = text, *end, *nl;
	uint64_t n = 1;

	if (off > len)
		off = len;
	if (has_bom(text, len) && off >= 3)
		p = text + 3;
	end = text + off;
	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p)))) {
		n++;
		p = nl + 1;
	}
	*line = n;
	*col = (uint64_t)(end - p) + 1;
}

/*
 * jansson gives the position just after the last byte it read. Point at
 * the start of the token it names ("near 'tru'"), checked against the
 * text, since that is where a reader looks; at the byte it could not
 * decode; at the end for "near end of file".
 */
static int syntax_error(const char *name, const char *text, size_t len,
			const json_error_t *e)
{
	static const char flag[] = " without JSON_ALLOW_NUL";
	char buf[JSON_ERROR_TEXT_LENGTH];
	const char *what = e->text, *near, *tok, *p, *nul;
	size_t off, n, toklen;
	uint64_t line, col;
	int eof;

	if (e->line < 0 || e->position < 0)
		return mlg_json_error_set(MLG_EINVALID, "'%s': %s", name,
					  e->text);
	off = (size_t)e->position < len ? (size_t)e->position : len;
	n = strlen(e->text);
	near = strstr(e->text, " near '");
	eof = strstr(e->text, " near end of file") != NULL;
	if (eof && (nul = memchr(text, '\0', off < len ? off + 1 : len))) {
		/* jansson stops at a NUL byte as if the text ended there */
		off = (size_t)(nul - text);
		what = "unexpected NUL byte";
	} else if (eof || json_error_code(e) == json_error_invalid_utf8) {
		/* off is the end or the bad byte */
	} else if (near && e->text[n - 1] == '\'' &&
		   (tok = near + 7) < e->text + n - 1 &&
		   (toklen = (size_t)(e->text + n - 1 - tok)) <= off &&
		   !memcmp(text + off - toklen, tok, toklen)) {
		off -= toklen;
	} else if (off) {
		off--;
	}
	/* an API flag means nothing to the user who wrote the file */
	if ((p = strstr(what, flag))) {
		snprintf(buf, sizeof(buf), "%.*s%s", (int)(p - what), what,
			 p + sizeof(flag) - 1);
		what = buf;
	}
	position(text, len, off, &line, &col);
	return mlg_json_error_set(MLG_EINVALID,
				  "'%s': %" PRIu64 ":%" PRIu64 ": %s", name,
				  line, col, what);
}

static int blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!strchr(" \t\r\n", s[i]) || !s[i])
			return 0;
	return 1;
}

/* mlg_json_parse_buf_split(): where the array is, what it holds. */
struct split {
	const char *pointer;
	struct mlg_json_span *spans;
	size_t n;
};

static json_t *split_root(const char *text, size_t len, struct split *sp);

/* Takes ownership of `text` (len + 1 bytes, terminated) and `name`. With
 * `sp`, the elements of an array are left out when they can be. */
static int parse(struct mlg_json_doc *doc, char *name, char *text, size_t len,
		 struct split *sp)
{
	json_error_t e;
	json_t *root;
	int rc;

	memset(doc, 0, sizeof(*doc));
	if (has_bom(text, len)) {
		memmove(text, text + 3, len - 3 + 1);
		len -= 3;
	}
	if (blank(text, len)) {
		rc = mlg_json_error_set(MLG_EINVALID, "'%s': empty JSON text",
					name);
		goto done;
	}
	/* PowerShell's ">" writes UTF-16: say so rather than "byte 0xff" */
	if (len >= 2 &&
	    (!memcmp(text, "\xff\xfe", 2) || !memcmp(text, "\xfe\xff", 2))) {
		rc = mlg_json_error_set(
			MLG_EINVALID, "'%s': 1:1: UTF-16 text, expected UTF-8",
			name);
		goto done;
	}
	root = sp ? split_root(text, len, sp) : NULL;
	if (!root)
		root = json_loadb(text, len, PARSE_FLAGS, &e);
	if (!root) {
		rc = syntax_error(name, text, len, &e);
		goto done;
	}
	doc->root = root;
	doc->name = name;
	doc->text = text;
	doc->len = len;
	return 0;
done:
	free(name);
	free(text);
	return rc;
}

static int too_big(const char *name, size_t max)
{
	return mlg_error_set(MLG_ELIMIT,
			     "cannot read '%s': larger than %zu bytes", name,
			     max);
}

/* Read all of fd into b (capped at max + 1, so one byte too many shows). */
static int read_all(struct mlg_buf *b, int fd, const char *name, size_t max)
{
	struct stat st;
	size_t room, avail;
	ssize_t n;

	/* A regular file is refused before reading and read without
	 * reallocation; pipes are found out while reading. */
	if (!fstat(fd, &st) && S_ISREG(st.st_mode)) {
		if ((uintmax_t)st.st_size > max)
			return too_big(name, max);
		if (mlg_buf_grow(b, (size_t)st.st_size + 1))
			MLG_BUG("read buffer below its cap");
	}
	for (;;) {
		if (b->len > max)
			return too_big(name, max);
		room = max + 1 - b->len;
		if (mlg_buf_grow(b, room < 65536 ? room : 65536))
			MLG_BUG("read buffer below its cap");
		avail = b->alloc - b->len - 1;
		n = read(fd, b->ptr + b->len, avail < room ? avail : room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return mlg_error_errno(errno, "cannot read '%s'", name);
		if (!n)
			return 0;
		b->len += (size_t)n;
		b->ptr[b->len] = '\0';
	}
}

int mlg_json_load(struct mlg_json_doc *doc, const char *path, size_t max)
{
	const char *name = strcmp(path, "-") ? path : "<stdin>";
	struct mlg_buf b;
	char *text;
	size_t len;
	int fd, rc;

	memset(doc, 0, sizeof(*doc));
	if (!max)
		max = MLG_JSON_MAX_DEFAULT;
	if (max >= MLG_BUF_NOCAP)
		max = MLG_BUF_NOCAP - 1;
	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC)
			       : STDIN_FILENO;
	if (fd < 0)
		return mlg_error_errno(errno, "cannot read '%s'", name);
	mlg_buf_init(&b, max + 1);
	rc = read_all(&b, fd, name, max);
	if (fd != STDIN_FILENO)
		close(fd);
	if (rc)
		goto done;
	text = mlg_buf_detach(&b, &len);
	return parse(doc, mlg_strdup(name), text, len, NULL);
done:
	mlg_buf_release(&b);
	return rc;
}

int mlg_json_parse(struct mlg_json_doc *doc, const char *name, const char *text,
		   size_t len)
{
	return parse(doc, mlg_strdup(name), mlg_strndup(len ? text : "", len),
		     len, NULL);
}

int mlg_json_parse_buf_split(struct mlg_json_doc *doc, const char *name,
			     struct mlg_buf *b, const char *pointer,
			     struct mlg_json_span **spans, size_t *n)
{
	struct split sp = {pointer, NULL, 0};
	size_t len;
	char *text = mlg_buf_detach(b, &len);
	int rc = parse(doc, mlg_strdup(name), text, len, &sp);

	*spans = sp.spans;
	*n = sp.n;
	return rc;
}

json_t *mlg_json_parse_span(const struct mlg_json_doc *doc,
			    const struct mlg_json_span *s)
{
	json_error_t e;

	return json_loadb(doc->text + s->off, s->len, PARSE_FLAGS, &e);
}

int mlg_json_doc_reparse(struct mlg_json_doc *doc)
{
	json_error_t e;
	json_t *root = json_loadb(doc->text, doc->len, PARSE_FLAGS, &e);
	int rc;

	if (!root) {
		rc = syntax_error(doc->name, doc->text, doc->len, &e);
		mlg_json_doc_release(doc);
		return rc;
	}
	json_decref(doc->root);
	doc->root = root;
	return 0;
}

void mlg_json_doc_release(struct mlg_json_doc *doc)
{
	json_decref(doc->root);
	free(doc->name);
	free(doc->text);
	free(doc->marks);
	memset(doc, 0, sizeof(*doc));
}

/* --- RFC 6901 pointers --- */

static int valid_pointer(const char *p)
{
	if (*p && *p != '/')
		return 0;
	for (; *p; p++)
		if (*p == '~' && p[1] != '0' && p[1] != '1')
			return 0;
	return 1;
}

/* Decode the reference token at *p (after its '/') into tok; move *p to
 * the next '/' or the end. Returns the token's length. */
static size_t next_token(char *tok, const char **p)
{
	const char *s = *p + 1;
	size_t n = 0;

	for (; *s && *s != '/'; s++) {
		if (*s == '~') {
			s++;
			tok[n++] = *s == '0' ? '~' : '/';
		} else {
			tok[n++] = *s;
		}
	}
	tok[n] = '\0';
	*p = s;
	return n;
}

/* RFC 6901 array index: "0" or digits without a leading zero. */
static int parse_index(size_t *out, const char *tok, size_t n)
{
	size_t i, v = 0;

	if (!n || (tok[0] == '0' && n > 1))
		return -1;
	for (i = 0; i < n; i++) {
		if (tok[i] < '0' || tok[i] > '9' ||
		    v > (SIZE_MAX - (size_t)(tok[i] - '0')) / 10)
			return -1;
		v = v * 10 + (size_t)(tok[i] - '0');
	}
	*out = v;
	return 0;
}

json_t *mlg_json_at(json_t *root, const char *pointer)
{
	const char *p = pointer;
	json_t *v = root;
	size_t n, idx;
	char *tok;

	if (!root || !valid_pointer(pointer))
		return NULL;
	tok = mlg_malloc(strlen(pointer) + 1);
	while (v && *p) {
		n = next_token(tok, &p);
		if (json_is_object(v))
			v = json_object_getn(v, tok, n);
		else if (json_is_array(v) && !parse_index(&idx, tok, n))
			v = json_array_get(v, idx);
		else
			v = NULL;
	}
	free(tok);
	return v;
}

void mlg_json_pointer_append(struct mlg_buf *ptr, const char *key)
{
	size_t n;
	int rc = mlg_buf_addch(ptr, '/');

	while (!rc && *key) {
		n = strcspn(key, "~/");
		rc = mlg_buf_add(ptr, key, n);
		key += n;
		if (!rc && *key)
			rc = mlg_buf_adds(ptr, *key++ == '~' ? "~0" : "~1");
	}
	if (rc)
		MLG_BUG("JSON pointer buffer with a cap");
}

/* --- the scanner behind mlg_json_locate() --- */

struct scan {
	const char *s;
	size_t len;
	size_t pos;
	size_t deepest; /* the most brackets skip_value() was inside */
};

static void skip_ws(struct scan *sc)
{
	while (sc->pos < sc->len &&
	       (sc->s[sc->pos] == ' ' || sc->s[sc->pos] == '\t' ||
		sc->s[sc->pos] == '\n' || sc->s[sc->pos] == '\r'))
		sc->pos++;
}

static int is_delim(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' ||
	       c == ':' || c == ']' || c == '}';
}

/* At a value's first byte, not at the end or a separator. */
static int at_value(const struct scan *sc)
{
	char c;

	if (sc->pos >= sc->len)
		return 0;
	c = sc->s[sc->pos];
	return c != ',' && c != ':' && c != ']' && c != '}';
}

/* At '"': move past the closing quote. A backslash always takes the next
 * byte with it, which is all "\"" and "\\" need. */
static int skip_string(struct scan *sc)
{
	size_t i = sc->pos + 1;

	while (i < sc->len) {
		if (sc->s[i] == '\\') {
			i += 2;
		} else if (sc->s[i] == '"') {
			sc->pos = i + 1;
			return 0;
		} else {
			i++;
		}
	}
	sc->pos = sc->len;
	return -1;
}

/* Skip one value. Brackets are counted, not matched: only strings can
 * hide a bracket, and a parsed document is well formed anyway. */
static int skip_value(struct scan *sc)
{
	size_t depth = 0, start;
	char c;

	do {
		if (sc->pos >= sc->len)
			return -1;
		c = sc->s[sc->pos];
		if (c == '"') {
			if (skip_string(sc))
				return -1;
		} else if (c == '{' || c == '[') {
			if (++depth > sc->deepest)
				sc->deepest = depth;
			sc->pos++;
		} else if (c == '}' || c == ']') {
			if (!depth)
				return -1;
			depth--;
			sc->pos++;
		} else if (depth) {
			sc->pos++;
		} else {
			start = sc->pos;
			while (sc->pos < sc->len && !is_delim(sc->s[sc->pos]))
				sc->pos++;
			if (sc->pos == start)
				return -1;
		}
	} while (depth);
	return 0;
}

static int hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t utf8(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decode the escape at s[*i] ('\\'), before `end`, into out; 0 when it
 * is not a valid escape. */
static size_t unescape(char *out, const char *s, size_t *i, size_t end)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *c;
	unsigned cp, lo;

	if (*i + 1 >= end)
		return 0;
	if (s[*i + 1] != 'u') {
		c = strchr(from, s[*i + 1]);
		if (!c || !*c)
			return 0;
		out[0] = to[c - from];
		*i += 2;
		return 1;
	}
	if (*i + 6 > end || hex4(s + *i + 2, &cp))
		return 0;
	*i += 6;
	if (cp >= 0xd800 && cp < 0xdc00 && *i + 6 <= end && s[*i] == '\\' &&
	    s[*i + 1] == 'u' && !hex4(s + *i + 2, &lo) && lo >= 0xdc00 &&
	    lo < 0xe000) {
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		*i += 6;
	}
	return utf8(out, cp);
}

/* At a key's '"': move past it; 1 when it decodes to tok, 0 when not, -1
 * when the string does not end. */
static int key_equals(struct scan *sc, const char *tok, size_t toklen)
{
	size_t i = sc->pos + 1, end, k = 0, n;
	char u[4];

	if (skip_string(sc))
		return -1;
	end = sc->pos - 1;
	while (i < end) {
		if (sc->s[i] == '\\') {
			n = unescape(u, sc->s, &i, end);
			if (!n)
				return 0;
		} else {
			u[0] = sc->s[i++];
			n = 1;
		}
		if (n > toklen - k || memcmp(tok + k, u, n))
			return 0;
		k += n;
	}
	return k == toklen;
}

/* At '{': find member tok; leave pos at its value and *keypos at its key. */
static int find_member(struct scan *sc, const char *tok, size_t toklen,
		       size_t *keypos)
{
	int eq;

	sc->pos++;
	skip_ws(sc);
	if (sc->pos < sc->len && sc->s[sc->pos] == '}')
		return MLG_ENOTFOUND;
	for (;;) {
		if (sc->pos >= sc->len || sc->s[sc->pos] != '"')
			return BROKEN;
		*keypos = sc->pos;
		eq = key_equals(sc, tok, toklen);
		if (eq < 0)
			return BROKEN;
		skip_ws(sc);
		if (sc->pos >= sc->len || sc->s[sc->pos] != ':')
			return BROKEN;
		sc->pos++;
		skip_ws(sc);
		if (!at_value(sc))
			return BROKEN;
		if (eq)
			return 0;
		if (skip_value(sc))
			return BROKEN;
		skip_ws(sc);
		if (sc->pos < sc->len && sc->s[sc->pos] == '}')
			return MLG_ENOTFOUND;
		if (sc->pos >= sc->len || sc->s[sc->pos] != ',')
			return BROKEN;
		sc->pos++;
		skip_ws(sc);
	}
}

/* At '[': find element tok; leave pos at it. */
static int find_element(struct scan *sc, const char *tok, size_t toklen)
{
	size_t i, idx;

	if (parse_index(&idx, tok, toklen))
		return MLG_ENOTFOUND;
	sc->pos++;
	skip_ws(sc);
	if (sc->pos < sc->len && sc->s[sc->pos] == ']')
		return MLG_ENOTFOUND;
	for (i = 0;; i++) {
		if (!at_value(sc))
			return BROKEN;
		if (i == idx)
			return 0;
		if (skip_value(sc))
			return BROKEN;
		skip_ws(sc);
		if (sc->pos < sc->len && sc->s[sc->pos] == ']')
			return MLG_ENOTFOUND;
		if (sc->pos >= sc->len || sc->s[sc->pos] != ',')
			return BROKEN;
		sc->pos++;
		skip_ws(sc);
	}
}

/* Move `sc` from the start of the text to the value at `pointer` (a
 * valid one): 0, MLG_ENOTFOUND or BROKEN. *keypos is the key of the last
 * member stepped into, *is_key whether the last step was one. */
static int walk(struct scan *sc, const char *pointer, size_t *keypos,
		int *is_key)
{
	const char *p = pointer;
	char *tok = mlg_malloc(strlen(pointer) + 1);
	size_t n;
	int rc = 0;

	if (has_bom(sc->s, sc->len))
		sc->pos = 3;
	skip_ws(sc);
	if (!at_value(sc)) {
		rc = sc->pos < sc->len ? BROKEN : MLG_ENOTFOUND;
		goto done;
	}
	while (*p) {
		n = next_token(tok, &p);
		*is_key = sc->s[sc->pos] == '{';
		if (*is_key)
			rc = find_member(sc, tok, n, keypos);
		else if (sc->s[sc->pos] == '[')
			rc = find_element(sc, tok, n);
		else
			rc = MLG_ENOTFOUND;
		if (rc)
			break;
	}
done:
	free(tok);
	return rc;
}

int mlg_json_locate(const char *text, size_t len, const char *pointer,
		    uint64_t *line, uint64_t *col)
{
	struct scan sc = {text, len, 0, 0};
	size_t keypos = 0;
	int rc, is_key = 0;

	if (!valid_pointer(pointer))
		return mlg_json_error_set(MLG_EINVALID,
					  "invalid JSON pointer '%s'", pointer);
	rc = walk(&sc, pointer, &keypos, &is_key);
	if (!rc)
		position(text, len, is_key ? keypos : sc.pos, line, col);
	if (rc == MLG_ENOTFOUND)
		return mlg_json_error_set(rc, "no value at '%s'", pointer);
	if (rc == BROKEN) {
		uint64_t l, c;

		position(text, len, sc.pos, &l, &c);
		return mlg_json_error_set(
			MLG_EINVALID,
			"cannot locate '%s': malformed JSON at %" PRIu64
			":%" PRIu64,
			pointer, l, c);
	}
	return 0;
}

/*
 * The root of `text` with each element of the array at sp->pointer
 * parsed as null, and where the elements are in sp; or NULL, for the
 * caller to parse the text whole, when there is no such array or an
 * empty one, or the text is broken around it. Everything but the
 * elements is parsed, and only commas and blanks are between them, so
 * the text is JSON when each of them is, but for the depth, which
 * jansson counts from the root: an element too deep for that is left
 * to it.
 */
static json_t *split_root(const char *text, size_t len, struct split *sp)
{
	struct scan sc = {text, len, 0, 0};
	struct mlg_buf skel = MLG_BUF_INIT;
	struct mlg_json_span *v = NULL;
	size_t keypos, at, start, n = 0, alloc = 0, above = 1;
	const char *p;
	json_t *root = NULL;
	json_error_t e;
	int is_key;

	for (p = sp->pointer; *p; p++)
		above += *p == '/';
	if (!valid_pointer(sp->pointer) ||
	    walk(&sc, sp->pointer, &keypos, &is_key) || text[sc.pos] != '[')
		return NULL;
	at = sc.pos++;
	skip_ws(&sc);
	while (sc.pos < len && text[sc.pos] != ']') {
		if (n) {
			if (text[sc.pos] != ',')
				goto done;
			sc.pos++;
			skip_ws(&sc);
		}
		start = sc.pos;
		sc.deepest = 0;
		if (!at_value(&sc) || skip_value(&sc) ||
		    above + sc.deepest > MAX_DEPTH)
			goto done;
		v = mlg_grow(v, sizeof(*v), n + 1, &alloc);
		v[n].off = start;
		v[n++].len = sc.pos - start;
		skip_ws(&sc);
	}
	if (!n) /* nothing to leave out */
		goto done;
	mlg_buf_add(&skel, text, at);
	mlg_buf_addch(&skel, '[');
	for (start = 0; start < n; start++)
		mlg_buf_adds(&skel, start ? ",null" : "null");
	mlg_buf_add(&skel, text + sc.pos, len - sc.pos);
	root = json_loadb(skel.ptr, skel.len, PARSE_FLAGS, &e);
done:
	mlg_buf_release(&skel);
	if (!root) {
		free(v);
		return NULL;
	}
	sp->spans = v;
	sp->n = n;
	return root;
}

/* The number of values in the tree of `v`, v itself included. */
static size_t count_values(json_t *v)
{
	const char *key;
	size_t n = 1, i;
	json_t *e;

	json_array_foreach (v, i, e)
		n += count_values(e);
	json_object_foreach (v, key, e)
		n += count_values(e);
	return n;
}

/*
 * The index in document order of the value at `pointer` under `root`,
 * or -1: a container comes before its members, and they come in order
 * (jansson keeps the order of an object's members).
 */
static long value_index(json_t *root, const char *pointer)
{
	const char *p = pointer, *key;
	char *tok = mlg_malloc(strlen(pointer) + 1);
	json_t *v = root, *next, *e;
	size_t at = 0, n, idx, i;

	while (*p && v) {
		n = next_token(tok, &p);
		next = NULL;
		at++; /* past the container, to its first member */
		if (json_is_object(v)) {
			json_object_foreach (v, key, e) {
				if (strlen(key) == n && !memcmp(key, tok, n)) {
					next = e;
					break;
				}
				at += count_values(e);
			}
		} else if (json_is_array(v) && !parse_index(&idx, tok, n) &&
			   idx < json_array_size(v)) {
			for (i = 0; i < idx; i++)
				at += count_values(json_array_get(v, i));
			next = json_array_get(v, idx);
		}
		v = next;
	}
	free(tok);
	return v ? (long)at : -1;
}

int mlg_json_doc_locate(const struct mlg_json_doc *doc, const char *pointer,
			uint64_t *line, uint64_t *col)
{
	long at;

	if (doc->text)
		return mlg_json_locate(doc->text, doc->len, pointer, line, col);
	at = doc->marks && valid_pointer(pointer)
		     ? value_index(doc->root, pointer)
		     : -1;
	if (at < 0 || (size_t)at >= doc->nmarks)
		return mlg_json_error_set(MLG_ENOTFOUND, "no value at '%s'",
					  pointer);
	*line = doc->marks[2 * at];
	*col = doc->marks[2 * at + 1];
	return 0;
}

/* --- errors about values --- */

static __attribute__((format(printf, 3, 0))) int
verror(const struct mlg_json_doc *doc, const char *pointer, const char *fmt,
       va_list ap)
{
	struct mlg_buf msg = MLG_BUF_INIT;
	const char *name = doc->name ? doc->name : "<json>";
	const char *shown = *pointer ? pointer : "/";
	uint64_t line, col;

	/* Format first: an argument may be the message locate overwrites. */
	mlg_buf_vaddf(&msg, fmt, ap);
	if (!mlg_json_doc_locate(doc, pointer, &line, &col))
		mlg_json_error_set(MLG_EINVALID,
				   "'%s': %" PRIu64 ":%" PRIu64 ": %s: %s",
				   name, line, col, shown, msg.ptr);
	else
		mlg_json_error_set(MLG_EINVALID, "'%s': %s: %s", name, shown,
				   msg.ptr);
	mlg_buf_release(&msg);
	return MLG_EINVALID;
}

int mlg_json_error(const struct mlg_json_doc *doc, const char *pointer,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(doc, pointer, fmt, ap);
	va_end(ap);
	return MLG_EINVALID;
}

static int member_error(const struct mlg_json_doc *doc, const char *objptr,
			const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int member_error(const struct mlg_json_doc *doc, const char *objptr,
			const char *key, const char *fmt, ...)
{
	struct mlg_buf ptr = MLG_BUF_INIT;
	va_list ap;

	mlg_buf_adds(&ptr, objptr);
	mlg_json_pointer_append(&ptr, key);
	va_start(ap, fmt);
	verror(doc, ptr.ptr, fmt, ap);
	va_end(ap);
	mlg_buf_release(&ptr);
	return MLG_EINVALID;
}

const char *mlg_json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	default:
		return "null";
	}
}

/* The member `key` of obj in *out, NULL when absent and optional. */
static int member(json_t **out, const struct mlg_json_doc *doc, json_t *obj,
		  const char *objptr, const char *key, int required)
{
	*out = NULL;
	if (!obj)
		MLG_BUG("NULL object");
	if (!json_is_object(obj))
		return mlg_json_error(doc, objptr,
				      "expected an object, found %s",
				      mlg_json_type_name(obj));
	*out = json_object_get(obj, key);
	if (!*out && required)
		return mlg_json_error(doc, objptr,
				      "missing required property '%s'", key);
	return 0;
}

#define KIND(t) (1u << (t))

/* The member `key` when it is of one of the `kinds`; *out is NULL when
 * an optional member is absent. `what` names the kinds in the message. */
static int typed(json_t **out, const struct mlg_json_doc *doc, json_t *obj,
		 const char *objptr, const char *key, int required,
		 unsigned kinds, const char *what)
{
	int rc = member(out, doc, obj, objptr, key, required);

	if (rc || !*out)
		return rc;
	if (!(KIND(json_typeof(*out)) & kinds))
		return member_error(doc, objptr, key, "expected %s, found %s",
				    what, mlg_json_type_name(*out));
	return 0;
}

int mlg_json_get_str(const struct mlg_json_doc *doc, json_t *obj,
		     const char *objptr, const char *key, int required,
		     const char **out)
{
	json_t *v;
	int rc = typed(&v, doc, obj, objptr, key, required, KIND(JSON_STRING),
		       "a string");

	if (!rc && v)
		*out = json_string_value(v);
	return rc;
}

int mlg_json_get_num(const struct mlg_json_doc *doc, json_t *obj,
		     const char *objptr, const char *key, int required,
		     double *out)
{
	json_t *v;
	int rc = typed(&v, doc, obj, objptr, key, required,
		       KIND(JSON_INTEGER) | KIND(JSON_REAL), "a number");

	if (!rc && v)
		*out = json_number_value(v);
	return rc;
}

static void fmt_real(char out[40], double d);

int mlg_json_get_int(const struct mlg_json_doc *doc, json_t *obj,
		     const char *objptr, const char *key, int required,
		     int64_t *out)
{
	char num[40];
	json_t *v;
	double d;
	int rc = typed(&v, doc, obj, objptr, key, required,
		       KIND(JSON_INTEGER) | KIND(JSON_REAL), "an integer");

	if (rc || !v)
		return rc;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	d = json_real_value(v);
	fmt_real(num, d);
	if (d != floor(d))
		return member_error(doc, objptr, key,
				    "expected an integer, found %s", num);
	/* both bounds are powers of two, exact as doubles */
	if (d < -9223372036854775808.0 || d >= 9223372036854775808.0)
		return member_error(doc, objptr, key, "integer %s out of range",
				    num);
	*out = (int64_t)d;
	return 0;
}

int mlg_json_get_count(const struct mlg_json_doc *doc, json_t *obj,
		       const char *objptr, const char *key, int required,
		       uint64_t *out)
{
	int64_t v = 0;
	json_t *present = json_object_get(obj, key);
	int rc = mlg_json_get_int(doc, obj, objptr, key, required, &v);

	if (rc || !present)
		return rc;
	if (v < 0)
		return member_error(doc, objptr, key,
				    "expected a count (a non-negative "
				    "integer), found %lld",
				    (long long)v);
	*out = (uint64_t)v;
	return 0;
}

int mlg_json_get_bool(const struct mlg_json_doc *doc, json_t *obj,
		      const char *objptr, const char *key, int required,
		      int *out)
{
	json_t *v;
	int rc = typed(&v, doc, obj, objptr, key, required,
		       KIND(JSON_TRUE) | KIND(JSON_FALSE), "a boolean");

	if (!rc && v)
		*out = json_is_true(v);
	return rc;
}

int mlg_json_check_keys(const struct mlg_json_doc *doc, json_t *obj,
			const char *objptr, const char *const *allowed)
{
	const char *const *a;
	const char *key;
	size_t keylen;
	void *it;

	if (!obj)
		MLG_BUG("NULL object");
	if (!json_is_object(obj))
		return mlg_json_error(doc, objptr,
				      "expected an object, found %s",
				      mlg_json_type_name(obj));
	for (it = json_object_iter(obj); it;
	     it = json_object_iter_next(obj, it)) {
		key = json_object_iter_key(it);
		keylen = json_object_iter_key_len(it);
		for (a = allowed; a && *a; a++)
			if (strlen(*a) == keylen && !memcmp(*a, key, keylen))
				break;
		if (!a || !*a)
			return member_error(doc, objptr, key,
					    "unknown property '%s'", key);
	}
	return 0;
}

/* --- serialisation --- */

static int reads_back(char e[40], int digits, double d)
{
	snprintf(e, 40, "%.*e", digits - 1, d);
	return strtod(e, NULL) == d;
}

/*
 * The fewest significant digits that read back as d, laid out as
 * Python's repr() does (fixed from 1e-4 to 1e16, else an exponent) so
 * metrics written by Python and by us look alike. Always with a '.' or
 * an exponent so that it reads back as a real, and '.' whatever the
 * locale.
 */
static void fmt_real(char out[40], double d)
{
	const char *dp = localeconv()->decimal_point;
	size_t dplen = strlen(dp);
	char e[40], t[40], *q;
	int p, x, lo, hi;

	/* Whole numbers below 1e16 (counts, days, ids: most of a profile's
	 * reals) are their own digits: exact in an int64_t, fixed layout. */
	if (d != 0 && d == floor(d) && fabs(d) < 1e16) {
		snprintf(out, 40, "%" PRId64 ".0", (int64_t)d);
		return;
	}
	/* The nearest p + 1 significant digits are at least as near as
	 * the nearest p (those and a 0), so "reads back with p digits"
	 * turns true once, at 17 at the latest: a bisection finds the
	 * fewest, keeping the text of the last that read back. */
	for (lo = 1, hi = 17; lo < hi;) {
		p = (lo + hi) / 2;
		if (reads_back(t, p, d)) {
			hi = p;
			memcpy(e, t, sizeof(e));
		} else {
			lo = p + 1;
		}
	}
	if (hi == 17) /* never tried: 17 always reads back */
		snprintf(e, sizeof(e), "%.16e", d);
	p = hi;
	x = atoi(strchr(e, 'e') + 1);
	if (x >= -4 && x < 16)
		snprintf(out, 40, "%.*f", p - 1 - x > 0 ? p - 1 - x : 0, d);
	else
		memcpy(out, e, strlen(e) + 1);
	if (strcmp(dp, ".") && dplen && (q = strstr(out, dp))) {
		*q = '.';
		memmove(q + 1, q + dplen, strlen(q + dplen) + 1);
	}
	if (!strpbrk(out, ".e"))
		strcat(out, ".0");
}

static int dump_string(struct mlg_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, start = 0;
	char esc[7];
	int rc = mlg_buf_addch(out, '"');

	for (i = 0; i < n && !rc; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		rc = mlg_buf_add(out, s + start, i - start);
		start = i + 1;
		esc[0] = '\\';
		esc[2] = '\0';
		switch (c) {
		case '"':
		case '\\':
			esc[1] = (char)c;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			esc[6] = '\0';
		}
		if (!rc)
			rc = mlg_buf_adds(out, esc);
	}
	if (!rc)
		rc = mlg_buf_add(out, s + start, n - start);
	return rc ? rc : mlg_buf_addch(out, '"');
}

static int newline(struct mlg_buf *out, int indent, int depth)
{
	static const char spaces[] = "                                ";
	size_t n = (size_t)indent * (size_t)depth, k;
	int rc;

	if (!indent)
		return 0;
	rc = mlg_buf_addch(out, '\n');
	while (!rc && n) {
		k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
		rc = mlg_buf_add(out, spaces, k);
		n -= k;
	}
	return rc;
}

/* Before the i-th member or element: a comma after the first. */
static int next_item(struct mlg_buf *out, int indent, int depth, size_t i)
{
	int rc = i ? mlg_buf_addch(out, ',') : 0;

	return rc ? rc : newline(out, indent, depth);
}

static int dump_value(struct mlg_buf *out, const json_t *v, int indent,
		      int depth)
{
	char num[40];
	void *it;
	size_t i;
	int rc;

	if (depth >= MAX_DEPTH)
		return mlg_error_set(MLG_ELIMIT,
				     "cannot dump JSON nested deeper than %d "
				     "levels",
				     MAX_DEPTH);
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (!json_object_size(v))
			return mlg_buf_adds(out, "{}");
		rc = mlg_buf_addch(out, '{');
		/* jansson's iterators take a non-const object */
		for (it = json_object_iter((json_t *)v), i = 0; it && !rc;
		     it = json_object_iter_next((json_t *)v, it), i++) {
			rc = next_item(out, indent, depth + 1, i);
			if (!rc)
				rc = dump_string(out, json_object_iter_key(it),
						 json_object_iter_key_len(it));
			if (!rc)
				rc = mlg_buf_adds(out, indent ? ": " : ":");
			if (!rc)
				rc = dump_value(out, json_object_iter_value(it),
						indent, depth + 1);
		}
		if (!rc)
			rc = newline(out, indent, depth);
		return rc ? rc : mlg_buf_addch(out, '}');
	case JSON_ARRAY:
		if (!json_array_size(v))
			return mlg_buf_adds(out, "[]");
		rc = mlg_buf_addch(out, '[');
		for (i = 0; i < json_array_size(v) && !rc; i++) {
			rc = next_item(out, indent, depth + 1, i);
			if (!rc)
				rc = dump_value(out, json_array_get(v, i),
						indent, depth + 1);
		}
		if (!rc)
			rc = newline(out, indent, depth);
		return rc ? rc : mlg_buf_addch(out, ']');
	case JSON_STRING:
		return dump_string(out, json_string_value(v),
				   json_string_length(v));
	case JSON_INTEGER:
		return mlg_buf_addf(out, "%" JSON_INTEGER_FORMAT,
				    json_integer_value(v));
	case JSON_REAL:
		fmt_real(num, json_real_value(v));
		return mlg_buf_adds(out, num);
	case JSON_TRUE:
		return mlg_buf_adds(out, "true");
	case JSON_FALSE:
		return mlg_buf_adds(out, "false");
	default:
		return mlg_buf_adds(out, "null");
	}
}

int mlg_json_dump_at(struct mlg_buf *out, const json_t *v, int indent,
		     int depth)
{
	size_t len = out->len;
	int rc;

	if (!v || indent < 0 || indent > 31 || depth < 0 || depth > 64)
		MLG_BUG("bad arguments to mlg_json_dump_at");
	rc = dump_value(out, v, indent, depth);
	if (rc)
		mlg_buf_truncate(out, len);
	return rc;
}

int mlg_json_dump(struct mlg_buf *out, const json_t *v, int indent)
{
	return mlg_json_dump_at(out, v, indent, 0);
}

void mlg_json_add_str(struct mlg_buf *b, const char *s)
{
	mlg_buf_addch(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			mlg_buf_addf(b, "\\%c", c);
		else if (c < 0x20)
			mlg_buf_addf(b, "\\u%04x", c);
		else
			mlg_buf_addch(b, c);
	}
	mlg_buf_addch(b, '"');
}

/* The fewest of 15 to 17 significant digits that read back as d: 0.1 is
 * "0.1", as the line holds it, not "0.10000000000000001". For a normal
 * double, 15 digits that read back are the shortest text once %g drops
 * its zeros. */
static int add_real_cell(struct mlg_buf *b, double d)
{
	char t[40];
	int p;

	for (p = 15; p < 17; p++) {
		snprintf(t, sizeof(t), "%.*g", p, d);
		if (strtod(t, NULL) == d)
			break;
	}
	return mlg_buf_addf(b, "%.*g", p, d);
}

int mlg_json_cell(struct mlg_buf *b, json_t *v)
{
	mlg_buf_reset(b);
	switch (json_typeof(v)) {
	case JSON_STRING:
		return mlg_buf_add(b, json_string_value(v),
				   json_string_length(v));
	case JSON_INTEGER:
		return mlg_buf_addf(b, "%" JSON_INTEGER_FORMAT,
				    json_integer_value(v));
	case JSON_REAL:
		return add_real_cell(b, json_real_value(v));
	case JSON_TRUE:
		return mlg_buf_adds(b, "true");
	case JSON_FALSE:
		return mlg_buf_adds(b, "false");
	default:
		return mlg_json_dump(b, v, 0);
	}
}
