/* The generic JSON engine of libocispec and the only code of petrel that sees
 * yajl: a small document tree built from yajl's event parser (keeping numbers
 * as text, so that every uint64 survives), its conversion into the structs
 * described by ocispec_type tables with errors that name the JSON path, and the
 * reverse conversion through yajl_gen. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#include "ocispec-internal.h"

/* Deeper nesting than any spec document needs is refused, so that hostile
 * input cannot exhaust the stack of the recursive conversion below. */
#define JSON_MAX_DEPTH 128
/* Larger documents are refused rather than read into memory. */
#define JSON_MAX_SIZE (64u << 20)

enum jtype { J_NULL, J_BOOL, J_NUMBER, J_STRING, J_OBJECT, J_ARRAY };

struct jnode {
	enum jtype type;
	bool boolean;
	char *text; /* string value or number text */
	size_t n;   /* children */
	size_t cap;
	char **keys; /* for objects */
	struct jnode **items;
};

static void jnode_free(struct jnode *node)
{
	if (node == NULL)
		return;
	for (size_t i = 0; i < node->n; i++) {
		if (node->keys)
			free(node->keys[i]);
		jnode_free(node->items[i]);
	}
	free(node->keys);
	free(node->items);
	free(node->text);
	free(node);
}

static void jnode_freep(struct jnode **node)
{
	jnode_free(*node);
}

/* --------------------------------------------------------- building the tree */

struct builder {
	struct jnode *root;
	struct jnode *stack[JSON_MAX_DEPTH + 1];
	size_t depth;
	char *pending_key;
	const char *failure; /* why a callback stopped the parse */
};

static int builder_add(struct builder *b, struct jnode *node)
{
	if (b->depth == 0) {
		b->root = node;
		return 1;
	}
	struct jnode *parent = b->stack[b->depth - 1];
	if (parent->n == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 8;
		struct jnode **items = realloc(parent->items, cap * sizeof(*items));
		if (items == NULL)
			goto nomem;
		parent->items = items;
		if (parent->type == J_OBJECT) {
			char **keys = realloc(parent->keys, cap * sizeof(*keys));
			if (keys == NULL)
				goto nomem;
			parent->keys = keys;
		}
		parent->cap = cap;
	}
	if (parent->type == J_OBJECT) {
		parent->keys[parent->n] = b->pending_key;
		b->pending_key = NULL;
	}
	parent->items[parent->n++] = node;
	return 1;
nomem:
	jnode_free(node);
	b->failure = "out of memory";
	return 0;
}

static struct jnode *builder_node(struct builder *b, enum jtype type)
{
	struct jnode *node = calloc(1, sizeof(*node));
	if (node == NULL)
		b->failure = "out of memory";
	else
		node->type = type;
	return node;
}

static int on_null(void *ctx)
{
	struct builder *b = ctx;
	struct jnode *node = builder_node(b, J_NULL);
	return node ? builder_add(b, node) : 0;
}

static int on_boolean(void *ctx, int value)
{
	struct builder *b = ctx;
	struct jnode *node = builder_node(b, J_BOOL);
	if (node == NULL)
		return 0;
	node->boolean = value != 0;
	return builder_add(b, node);
}

static int on_text(struct builder *b, enum jtype type, const char *text, size_t len)
{
	if (memchr(text, '\0', len) != NULL) {
		b->failure = "string contains a NUL character";
		return 0;
	}
	struct jnode *node = builder_node(b, type);
	if (node == NULL)
		return 0;
	node->text = strndup(text, len);
	if (node->text == NULL) {
		jnode_free(node);
		b->failure = "out of memory";
		return 0;
	}
	return builder_add(b, node);
}

static int on_number(void *ctx, const char *text, size_t len)
{
	return on_text(ctx, J_NUMBER, text, len);
}

static int on_string(void *ctx, const unsigned char *text, size_t len)
{
	return on_text(ctx, J_STRING, (const char *)text, len);
}

static int on_open(struct builder *b, enum jtype type)
{
	if (b->depth >= JSON_MAX_DEPTH) {
		b->failure = "nesting too deep";
		return 0;
	}
	struct jnode *node = builder_node(b, type);
	if (node == NULL || !builder_add(b, node))
		return 0;
	b->stack[b->depth++] = node;
	return 1;
}

static int on_start_map(void *ctx)
{
	return on_open(ctx, J_OBJECT);
}

static int on_start_array(void *ctx)
{
	return on_open(ctx, J_ARRAY);
}

static int on_close(void *ctx)
{
	struct builder *b = ctx;
	b->depth--;
	return 1;
}

static int on_map_key(void *ctx, const unsigned char *key, size_t len)
{
	struct builder *b = ctx;
	if (memchr(key, '\0', len) != NULL) {
		b->failure = "object key contains a NUL character";
		return 0;
	}
	free(b->pending_key);
	b->pending_key = strndup((const char *)key, len);
	if (b->pending_key == NULL) {
		b->failure = "out of memory";
		return 0;
	}
	return 1;
}

static const yajl_callbacks builder_callbacks = {
	.yajl_null = on_null,
	.yajl_boolean = on_boolean,
	.yajl_number = on_number,
	.yajl_string = on_string,
	.yajl_start_map = on_start_map,
	.yajl_map_key = on_map_key,
	.yajl_end_map = on_close,
	.yajl_start_array = on_start_array,
	.yajl_end_array = on_close,
};

static int set_error(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int set_error(char **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && vasprintf(err, fmt, ap) < 0)
		*err = NULL;
	va_end(ap);
	return -1;
}

/* yajl's messages span lines (with a caret under the input); keep the first. */
static void first_line(char *msg)
{
	char *nl = strchr(msg, '\n');
	if (nl)
		*nl = '\0';
}

static int build_tree(const char *data, size_t len, const char *name, struct jnode **out,
		      char **err)
{
	struct builder b = {0};
	yajl_handle h = yajl_alloc(&builder_callbacks, NULL, &b);
	if (h == NULL)
		return set_error(err, "%s: out of memory", name);
	yajl_status st = yajl_parse(h, (const unsigned char *)data, len);
	/* yajl_complete_parse() counts its bytes in a buffer of its own, so an
	 * error it finds (a truncated document) is at the end of ours. */
	bool at_end = st == yajl_status_ok;
	if (at_end)
		st = yajl_complete_parse(h);
	int ret = 0;
	if (st != yajl_status_ok) {
		size_t offset = at_end ? len : yajl_get_bytes_consumed(h);
		if (b.failure) {
			set_error(err, "%s: invalid JSON at byte %zu: %s", name, offset, b.failure);
		} else {
			unsigned char *msg = yajl_get_error(h, 0, NULL, 0);
			first_line((char *)msg);
			set_error(err, "%s: invalid JSON at byte %zu: %s", name, offset,
				  msg ? (char *)msg : "parse error");
			yajl_free_error(h, msg);
		}
		jnode_free(b.root);
		ret = -1;
	} else if (b.root == NULL) {
		ret = set_error(err, "%s: invalid JSON at byte 0: empty document", name);
	} else {
		*out = b.root;
	}
	free(b.pending_key);
	yajl_free(h);
	return ret;
}

/* ------------------------------------------------- converting tree to structs */

struct path {
	char buf[1024];
	size_t len;
};

static size_t path_push(struct path *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t path_push(struct path *p, const char *fmt, ...)
{
	size_t saved = p->len;
	if (p->len < sizeof(p->buf)) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(p->buf + p->len, sizeof(p->buf) - p->len, fmt, ap);
		va_end(ap);
		if (n > 0)
			p->len += (size_t)n;
		if (p->len >= sizeof(p->buf))
			p->len = sizeof(p->buf) - 1;
	}
	return saved;
}

static void path_pop(struct path *p, size_t saved)
{
	p->len = saved;
	p->buf[saved] = '\0';
}

struct conv {
	const char *name;
	struct path path;
	char **err;
};

static const char *jtype_name(const struct jnode *node)
{
	switch (node->type) {
	case J_NULL:
		return "null";
	case J_BOOL:
		return "boolean";
	case J_NUMBER:
		return strpbrk(node->text, ".eE") ? "number" : "integer";
	case J_STRING:
		return "string";
	case J_OBJECT:
		return "object";
	case J_ARRAY:
		return "array";
	}
	return "value";
}

static int conv_error(struct conv *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int conv_error(struct conv *c, const char *fmt, ...)
{
	char *what = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) < 0)
		what = NULL;
	va_end(ap);
	set_error(c->err, "%s: %s: %s", c->name, c->path.len ? c->path.buf : ".",
		  what ? what : "out of memory");
	free(what);
	return -1;
}

static int expect(struct conv *c, const struct jnode *node, enum jtype type, const char *what)
{
	if (node->type != type)
		return conv_error(c, "expected %s, got %s", what, jtype_name(node));
	return 0;
}

/* Integers are read from their text, refusing fractions and exponents as
 * Go's encoding/json does for integer fields. */
static int parse_integer(struct conv *c, const struct jnode *node, bool is_signed, int64_t min,
			 uint64_t max, const char *type_name, void *out)
{
	if (node->type != J_NUMBER || strpbrk(node->text, ".eE"))
		return conv_error(c, "expected integer, got %s", jtype_name(node));
	errno = 0;
	char *end = NULL;
	if (node->text[0] == '-') {
		long long v = strtoll(node->text, &end, 10);
		if (errno || *end || !is_signed || v < min)
			return conv_error(c, "integer %s out of range for %s", node->text,
					  type_name);
		*(int64_t *)out = v;
	} else {
		unsigned long long v = strtoull(node->text, &end, 10);
		if (errno || *end || v > max)
			return conv_error(c, "integer %s out of range for %s", node->text,
					  type_name);
		if (is_signed)
			*(int64_t *)out = (int64_t)v;
		else
			*(uint64_t *)out = v;
	}
	return 0;
}

/* Any JSON number; one beyond the range of a double is refused, as Go's
 * encoding/json refuses it for a float64 field. */
static int parse_double(struct conv *c, const struct jnode *node, double *out)
{
	if (node->type != J_NUMBER)
		return conv_error(c, "expected number, got %s", jtype_name(node));
	char *end = NULL;
	double v = strtod(node->text, &end);
	if (*end || isinf(v))
		return conv_error(c, "number %s out of range for float64", node->text);
	*out = v;
	return 0;
}

static int convert_object(struct conv *c, const struct ocispec_type *type, const struct jnode *node,
			  void *obj);
static void free_members(const struct ocispec_type *type, void *obj);

static void *member(void *obj, size_t offset)
{
	return (char *)obj + offset;
}

static int convert_string(struct conv *c, const struct jnode *node, char **out)
{
	if (expect(c, node, J_STRING, "string") < 0)
		return -1;
	char *s = strdup(node->text);
	if (s == NULL)
		return conv_error(c, "out of memory");
	free(*out);
	*out = s;
	return 0;
}

static int convert_scalar(struct conv *c, const struct ocispec_field *f, const struct jnode *node,
			  void *obj)
{
	void *p = member(obj, f->offset);
	int64_t s = 0;
	uint64_t u = 0;
	switch (f->kind) {
	case OCI_KIND_BOOL:
		if (expect(c, node, J_BOOL, "boolean") < 0)
			return -1;
		*(bool *)p = node->boolean;
		break;
	case OCI_KIND_INT64:
		if (parse_integer(c, node, true, INT64_MIN, INT64_MAX, "int64", &s) < 0)
			return -1;
		*(int64_t *)p = s;
		break;
	case OCI_KIND_INT32:
		if (parse_integer(c, node, true, INT32_MIN, INT32_MAX, "int32", &s) < 0)
			return -1;
		*(int32_t *)p = (int32_t)s;
		break;
	case OCI_KIND_UINT64:
		if (parse_integer(c, node, false, 0, UINT64_MAX, "uint64", &u) < 0)
			return -1;
		*(uint64_t *)p = u;
		break;
	case OCI_KIND_UINT32:
		if (parse_integer(c, node, false, 0, UINT32_MAX, "uint32", &u) < 0)
			return -1;
		*(uint32_t *)p = (uint32_t)u;
		break;
	case OCI_KIND_UINT16:
		if (parse_integer(c, node, false, 0, UINT16_MAX, "uint16", &u) < 0)
			return -1;
		*(uint16_t *)p = (uint16_t)u;
		break;
	case OCI_KIND_DOUBLE:
		if (parse_double(c, node, p) < 0)
			return -1;
		break;
	default:
		return conv_error(c, "internal error: kind %d is not a scalar", (int)f->kind);
	}
	*(bool *)member(obj, f->aux_offset) = true;
	return 0;
}

/* Allocates n elements (at least one, so that an empty array is non-NULL). */
static void *alloc_elements(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

static int convert_string_array(struct conv *c, const struct ocispec_field *f,
				const struct jnode *node, void *obj)
{
	if (expect(c, node, J_ARRAY, "array of strings") < 0)
		return -1;
	/* One more slot: string arrays are NULL-terminated too, ready for
	 * execve(). */
	char **items = calloc(node->n + 1, sizeof(char *));
	if (items == NULL)
		return conv_error(c, "out of memory");
	for (size_t i = 0; i < node->n; i++) {
		size_t saved = path_push(&c->path, "[%zu]", i);
		int r = convert_string(c, node->items[i], &items[i]);
		path_pop(&c->path, saved);
		if (r < 0) {
			for (size_t j = 0; j < i; j++)
				free(items[j]);
			free(items);
			return -1;
		}
	}
	*(char ***)member(obj, f->offset) = items;
	*(size_t *)member(obj, f->aux_offset) = node->n;
	return 0;
}

static int convert_uint32_array(struct conv *c, const struct ocispec_field *f,
				const struct jnode *node, void *obj)
{
	if (expect(c, node, J_ARRAY, "array of integers") < 0)
		return -1;
	uint32_t *items = alloc_elements(node->n, sizeof(uint32_t));
	if (items == NULL)
		return conv_error(c, "out of memory");
	for (size_t i = 0; i < node->n; i++) {
		uint64_t v = 0;
		size_t saved = path_push(&c->path, "[%zu]", i);
		int r = parse_integer(c, node->items[i], false, 0, UINT32_MAX, "uint32", &v);
		path_pop(&c->path, saved);
		if (r < 0) {
			free(items);
			return -1;
		}
		items[i] = (uint32_t)v;
	}
	*(uint32_t **)member(obj, f->offset) = items;
	*(size_t *)member(obj, f->aux_offset) = node->n;
	return 0;
}

static int convert_uint64_array(struct conv *c, const struct ocispec_field *f,
				const struct jnode *node, void *obj)
{
	if (expect(c, node, J_ARRAY, "array of integers") < 0)
		return -1;
	uint64_t *items = alloc_elements(node->n, sizeof(uint64_t));
	if (items == NULL)
		return conv_error(c, "out of memory");
	for (size_t i = 0; i < node->n; i++) {
		size_t saved = path_push(&c->path, "[%zu]", i);
		int r = parse_integer(c, node->items[i], false, 0, UINT64_MAX, "uint64", &items[i]);
		path_pop(&c->path, saved);
		if (r < 0) {
			free(items);
			return -1;
		}
	}
	*(uint64_t **)member(obj, f->offset) = items;
	*(size_t *)member(obj, f->aux_offset) = node->n;
	return 0;
}

static int convert_object_array(struct conv *c, const struct ocispec_field *f,
				const struct jnode *node, void *obj)
{
	if (expect(c, node, J_ARRAY, "array") < 0)
		return -1;
	const struct ocispec_type *sub = f->sub;
	char *items = alloc_elements(node->n, sub->size);
	if (items == NULL)
		return conv_error(c, "out of memory");
	for (size_t i = 0; i < node->n; i++) {
		size_t saved = path_push(&c->path, "[%zu]", i);
		int r = convert_object(c, sub, node->items[i], items + i * sub->size);
		path_pop(&c->path, saved);
		if (r < 0) {
			for (size_t j = 0; j <= i; j++)
				free_members(sub, items + j * sub->size);
			free(items);
			return -1;
		}
	}
	*(void **)member(obj, f->offset) = items;
	*(size_t *)member(obj, f->aux_offset) = node->n;
	return 0;
}

static void free_string_list(char **list, size_t n)
{
	if (list == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

void oci_string_map_free(struct oci_string_map *map)
{
	if (map == NULL)
		return;
	free_string_list(map->keys, map->len);
	free_string_list(map->values, map->len);
	free(map);
}

/* A key given twice keeps its last value, as Go's encoding/json does. */
static ssize_t find_key(char **keys, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(keys[i], key) == 0)
			return (ssize_t)i;
	return -1;
}

static int convert_string_map(struct conv *c, const struct ocispec_field *f,
			      const struct jnode *node, void *obj)
{
	if (expect(c, node, J_OBJECT, "object of strings") < 0)
		return -1;
	struct oci_string_map *map = calloc(1, sizeof(*map));
	if (map == NULL)
		return conv_error(c, "out of memory");
	map->keys = alloc_elements(node->n, sizeof(char *));
	map->values = alloc_elements(node->n, sizeof(char *));
	if (map->keys == NULL || map->values == NULL) {
		oci_string_map_free(map);
		return conv_error(c, "out of memory");
	}
	for (size_t i = 0; i < node->n; i++) {
		ssize_t at = find_key(map->keys, map->len, node->keys[i]);
		size_t slot = at >= 0 ? (size_t)at : map->len;
		size_t saved = path_push(&c->path, "[\"%s\"]", node->keys[i]);
		int r = convert_string(c, node->items[i], &map->values[slot]);
		path_pop(&c->path, saved);
		if (r == 0 && at < 0) {
			map->keys[slot] = strdup(node->keys[i]);
			map->len++;
			if (map->keys[slot] == NULL)
				r = conv_error(c, "out of memory");
		}
		if (r < 0) {
			oci_string_map_free(map);
			return -1;
		}
	}
	*(struct oci_string_map **)member(obj, f->offset) = map;
	return 0;
}

static int convert_object_map(struct conv *c, const struct ocispec_field *f,
			      const struct jnode *node, void *obj)
{
	if (expect(c, node, J_OBJECT, "object") < 0)
		return -1;
	const struct ocispec_type *sub = f->sub;
	char *values = alloc_elements(node->n, sub->size);
	char **keys = alloc_elements(node->n, sizeof(char *));
	size_t len = 0;
	int r = 0;
	if (values == NULL || keys == NULL)
		r = conv_error(c, "out of memory");
	for (size_t i = 0; r == 0 && i < node->n; i++) {
		ssize_t at = find_key(keys, len, node->keys[i]);
		size_t slot = at >= 0 ? (size_t)at : len;
		void *value = values + slot * sub->size;
		if (at >= 0) {
			free_members(sub, value);
			memset(value, 0, sub->size);
		}
		size_t saved = path_push(&c->path, "[\"%s\"]", node->keys[i]);
		r = convert_object(c, sub, node->items[i], value);
		path_pop(&c->path, saved);
		if (at < 0) {
			keys[len++] = strdup(node->keys[i]);
			if (r == 0 && keys[len - 1] == NULL)
				r = conv_error(c, "out of memory");
		}
	}
	if (r < 0) {
		for (size_t i = 0; values && i < len; i++)
			free_members(sub, values + i * sub->size);
		free(values);
		free_string_list(keys, len);
		return -1;
	}
	*(void **)member(obj, f->offset) = values;
	*(char ***)member(obj, f->keys_offset) = keys;
	*(size_t *)member(obj, f->aux_offset) = len;
	return 0;
}

static int convert_uint64_map(struct conv *c, const struct ocispec_field *f,
			      const struct jnode *node, void *obj)
{
	if (expect(c, node, J_OBJECT, "object of integers") < 0)
		return -1;
	uint64_t *values = alloc_elements(node->n, sizeof(uint64_t));
	char **keys = alloc_elements(node->n, sizeof(char *));
	size_t len = 0;
	int r = 0;
	if (values == NULL || keys == NULL)
		r = conv_error(c, "out of memory");
	for (size_t i = 0; r == 0 && i < node->n; i++) {
		ssize_t at = find_key(keys, len, node->keys[i]);
		size_t slot = at >= 0 ? (size_t)at : len;
		size_t saved = path_push(&c->path, "[\"%s\"]", node->keys[i]);
		r = parse_integer(c, node->items[i], false, 0, UINT64_MAX, "uint64", &values[slot]);
		path_pop(&c->path, saved);
		if (r == 0 && at < 0) {
			keys[len++] = strdup(node->keys[i]);
			if (keys[len - 1] == NULL)
				r = conv_error(c, "out of memory");
		}
	}
	if (r < 0) {
		free(values);
		free_string_list(keys, len);
		return -1;
	}
	*(uint64_t **)member(obj, f->offset) = values;
	*(char ***)member(obj, f->keys_offset) = keys;
	*(size_t *)member(obj, f->aux_offset) = len;
	return 0;
}

static void free_field(const struct ocispec_field *f, void *obj);

static int convert_field(struct conv *c, const struct ocispec_field *f, const struct jnode *node,
			 void *obj)
{
	/* A repeated key replaces the earlier value. */
	free_field(f, obj);
	switch (f->kind) {
	case OCI_KIND_STRING:
		return convert_string(c, node, member(obj, f->offset));
	case OCI_KIND_BOOL:
	case OCI_KIND_INT64:
	case OCI_KIND_UINT64:
	case OCI_KIND_INT32:
	case OCI_KIND_UINT32:
	case OCI_KIND_UINT16:
	case OCI_KIND_DOUBLE:
		return convert_scalar(c, f, node, obj);
	case OCI_KIND_OBJECT: {
		void *sub = calloc(1, f->sub->size);
		if (sub == NULL)
			return conv_error(c, "out of memory");
		if (convert_object(c, f->sub, node, sub) < 0) {
			free_members(f->sub, sub);
			free(sub);
			return -1;
		}
		*(void **)member(obj, f->offset) = sub;
		return 0;
	}
	case OCI_KIND_OBJECT_ARRAY:
		return convert_object_array(c, f, node, obj);
	case OCI_KIND_OBJECT_MAP:
		return convert_object_map(c, f, node, obj);
	case OCI_KIND_STRING_ARRAY:
		return convert_string_array(c, f, node, obj);
	case OCI_KIND_UINT32_ARRAY:
		return convert_uint32_array(c, f, node, obj);
	case OCI_KIND_UINT64_ARRAY:
		return convert_uint64_array(c, f, node, obj);
	case OCI_KIND_STRING_MAP:
		return convert_string_map(c, f, node, obj);
	case OCI_KIND_UINT64_MAP:
		return convert_uint64_map(c, f, node, obj);
	}
	return conv_error(c, "internal error: unknown kind %d", (int)f->kind);
}

static bool field_present(const struct ocispec_field *f, const void *obj)
{
	const void *p = (const char *)obj + f->offset;
	switch (f->kind) {
	case OCI_KIND_BOOL:
	case OCI_KIND_INT64:
	case OCI_KIND_UINT64:
	case OCI_KIND_INT32:
	case OCI_KIND_UINT32:
	case OCI_KIND_UINT16:
	case OCI_KIND_DOUBLE:
		return *(const bool *)((const char *)obj + f->aux_offset);
	default:
		return *(void *const *)p != NULL;
	}
}

static int convert_object(struct conv *c, const struct ocispec_type *type, const struct jnode *node,
			  void *obj)
{
	if (expect(c, node, J_OBJECT, "object") < 0)
		return -1;
	for (size_t i = 0; i < node->n; i++) {
		const struct jnode *value = node->items[i];
		/* null is the same as absent, as Go's encoding/json reads it. */
		if (value->type == J_NULL)
			continue;
		for (size_t k = 0; k < type->n_fields; k++) {
			const struct ocispec_field *f = &type->fields[k];
			if (strcmp(f->json_name, node->keys[i]) != 0)
				continue;
			size_t saved = path_push(&c->path, ".%s", f->json_name);
			int r = convert_field(c, f, value, obj);
			path_pop(&c->path, saved);
			if (r < 0)
				return -1;
			break;
		}
		/* Unknown properties are ignored, as the spec requires. */
	}
	for (size_t k = 0; k < type->n_fields; k++) {
		const struct ocispec_field *f = &type->fields[k];
		if ((f->flags & OCI_REQUIRED) && !field_present(f, obj)) {
			size_t saved = path_push(&c->path, ".%s", f->json_name);
			conv_error(c, "required field is missing");
			path_pop(&c->path, saved);
			return -1;
		}
	}
	return 0;
}

/* ----------------------------------------------------------------- freeing */

static void free_field(const struct ocispec_field *f, void *obj)
{
	void *p = member(obj, f->offset);
	switch (f->kind) {
	case OCI_KIND_STRING:
		free(*(char **)p);
		*(char **)p = NULL;
		break;
	case OCI_KIND_OBJECT:
		ocispec_free(f->sub, *(void **)p);
		*(void **)p = NULL;
		break;
	case OCI_KIND_OBJECT_ARRAY:
	case OCI_KIND_OBJECT_MAP: {
		char *items = *(char **)p;
		size_t n = *(size_t *)member(obj, f->aux_offset);
		for (size_t i = 0; items && i < n; i++)
			free_members(f->sub, items + i * f->sub->size);
		free(items);
		*(void **)p = NULL;
		if (f->kind == OCI_KIND_OBJECT_MAP) {
			free_string_list(*(char ***)member(obj, f->keys_offset), n);
			*(char ***)member(obj, f->keys_offset) = NULL;
		}
		*(size_t *)member(obj, f->aux_offset) = 0;
		break;
	}
	case OCI_KIND_STRING_ARRAY:
		free_string_list(*(char ***)p, *(size_t *)member(obj, f->aux_offset));
		*(char ***)p = NULL;
		*(size_t *)member(obj, f->aux_offset) = 0;
		break;
	case OCI_KIND_UINT32_ARRAY:
	case OCI_KIND_UINT64_ARRAY:
		free(*(void **)p);
		*(void **)p = NULL;
		*(size_t *)member(obj, f->aux_offset) = 0;
		break;
	case OCI_KIND_UINT64_MAP:
		free(*(uint64_t **)p);
		*(uint64_t **)p = NULL;
		free_string_list(*(char ***)member(obj, f->keys_offset),
				 *(size_t *)member(obj, f->aux_offset));
		*(char ***)member(obj, f->keys_offset) = NULL;
		*(size_t *)member(obj, f->aux_offset) = 0;
		break;
	case OCI_KIND_STRING_MAP:
		oci_string_map_free(*(struct oci_string_map **)p);
		*(struct oci_string_map **)p = NULL;
		break;
	default:
		*(bool *)member(obj, f->aux_offset) = false;
		break;
	}
}

static void free_members(const struct ocispec_type *type, void *obj)
{
	for (size_t k = 0; k < type->n_fields; k++)
		free_field(&type->fields[k], obj);
}

void ocispec_free(const struct ocispec_type *type, void *obj)
{
	if (obj == NULL)
		return;
	free_members(type, obj);
	free(obj);
}

/* ------------------------------------------------------------ public parse */

int ocispec_parse_data(const struct ocispec_type *type, const char *data, size_t len,
		       const char *name, void **out, char **err)
{
	__attribute__((cleanup(jnode_freep))) struct jnode *root = NULL;
	if (name == NULL)
		name = type->name;
	if (err)
		*err = NULL;
	if (build_tree(data, len, name, &root, err) < 0)
		return -1;
	void *obj = calloc(1, type->size);
	if (obj == NULL)
		return set_error(err, "%s: out of memory", name);
	struct conv c = {.name = name, .err = err};
	if (convert_object(&c, type, root, obj) < 0) {
		ocispec_free(type, obj);
		return -1;
	}
	*out = obj;
	return 0;
}

int ocispec_parse_fd(const struct ocispec_type *type, int fd, const char *name, void **out,
		     char **err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return set_error(err, "%s: stat: %s", name, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return set_error(err, "%s: not a regular file", name);
	if ((uint64_t)st.st_size > JSON_MAX_SIZE)
		return set_error(err, "%s: larger than %u bytes", name, JSON_MAX_SIZE);
	size_t cap = (size_t)st.st_size + 1, len = 0;
	char *buf = malloc(cap);
	if (buf == NULL)
		return set_error(err, "%s: out of memory", name);
	for (;;) {
		if (len == cap) {
			if (cap >= JSON_MAX_SIZE) {
				free(buf);
				return set_error(err, "%s: larger than %u bytes", name,
						 JSON_MAX_SIZE);
			}
			char *bigger = realloc(buf, cap * 2);
			if (bigger == NULL) {
				free(buf);
				return set_error(err, "%s: out of memory", name);
			}
			buf = bigger;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int saved = errno;
			free(buf);
			return set_error(err, "%s: read: %s", name, strerror(saved));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	int r = ocispec_parse_data(type, buf, len, name, out, err);
	free(buf);
	return r;
}

int ocispec_parse_file(const struct ocispec_type *type, const char *path, const char *name,
		       void **out, char **err)
{
	if (name == NULL)
		name = path;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return set_error(err, "%s: open: %s", name, strerror(errno));
	int r = ocispec_parse_fd(type, fd, name, out, err);
	close(fd);
	return r;
}

/* -------------------------------------------------------------- generating */

static int gen_string(yajl_gen g, const char *s)
{
	return yajl_gen_string(g, (const unsigned char *)s, strlen(s)) == yajl_gen_status_ok ? 0
											     : -1;
}

static int gen_object(yajl_gen g, const struct ocispec_type *type, const void *obj);

static int gen_unsigned(yajl_gen g, uint64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return yajl_gen_number(g, buf, (size_t)n) == yajl_gen_status_ok ? 0 : -1;
}

/* A double as Go's encoding/json writes a float64: the shortest digits that
 * read back as the same value, without an exponent from 1e-6 up to 1e21 and
 * with a short one ("1e-7", "1e+21") outside; NaN and infinities have no
 * JSON form and are refused. */
static int gen_double(yajl_gen g, double v)
{
	char buf[64];
	if (!isfinite(v))
		return -1;
	int digits = 1;
	for (; digits < 17; digits++) {
		snprintf(buf, sizeof(buf), "%.*e", digits - 1, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*e", digits - 1, v);
	int exponent = atoi(strchr(buf, 'e') + 1);
	double magnitude = v < 0 ? -v : v;
	if (magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e21)) {
		int decimals = digits - 1 - exponent;
		snprintf(buf, sizeof(buf), "%.*f", decimals > 0 ? decimals : 0, v);
	} else {
		/* C writes at least two exponent digits; Go drops a leading zero
		 * from a negative one. */
		char *e = strchr(buf, 'e');
		if (e[1] == '-' && e[2] == '0' && e[3] != '\0')
			memmove(e + 2, e + 3, strlen(e + 3) + 1);
	}
	return yajl_gen_number(g, buf, strlen(buf)) == yajl_gen_status_ok ? 0 : -1;
}

static int gen_value(yajl_gen g, const struct ocispec_field *f, const void *obj)
{
	const void *p = (const char *)obj + f->offset;
	size_t n = 0;
	int r = 0;
	if (f->kind == OCI_KIND_OBJECT_ARRAY || f->kind == OCI_KIND_OBJECT_MAP ||
	    f->kind == OCI_KIND_STRING_ARRAY || f->kind == OCI_KIND_UINT32_ARRAY ||
	    f->kind == OCI_KIND_UINT64_ARRAY || f->kind == OCI_KIND_UINT64_MAP)
		n = *(const size_t *)((const char *)obj + f->aux_offset);
	switch (f->kind) {
	case OCI_KIND_STRING:
		return gen_string(g, *(char *const *)p);
	case OCI_KIND_BOOL:
		return yajl_gen_bool(g, *(const bool *)p) == yajl_gen_status_ok ? 0 : -1;
	case OCI_KIND_INT64:
		return yajl_gen_integer(g, *(const int64_t *)p) == yajl_gen_status_ok ? 0 : -1;
	case OCI_KIND_INT32:
		return yajl_gen_integer(g, *(const int32_t *)p) == yajl_gen_status_ok ? 0 : -1;
	case OCI_KIND_UINT64:
		return gen_unsigned(g, *(const uint64_t *)p);
	case OCI_KIND_UINT32:
		return gen_unsigned(g, *(const uint32_t *)p);
	case OCI_KIND_UINT16:
		return gen_unsigned(g, *(const uint16_t *)p);
	case OCI_KIND_DOUBLE:
		return gen_double(g, *(const double *)p);
	case OCI_KIND_OBJECT:
		return gen_object(g, f->sub, *(void *const *)p);
	case OCI_KIND_OBJECT_ARRAY: {
		const char *items = *(const char *const *)p;
		yajl_gen_array_open(g);
		for (size_t i = 0; r == 0 && i < n; i++)
			r = gen_object(g, f->sub, items + i * f->sub->size);
		yajl_gen_array_close(g);
		return r;
	}
	case OCI_KIND_OBJECT_MAP: {
		const char *items = *(const char *const *)p;
		char *const *keys = *(char *const *const *)((const char *)obj + f->keys_offset);
		yajl_gen_map_open(g);
		for (size_t i = 0; r == 0 && i < n; i++) {
			r = gen_string(g, keys[i]);
			if (r == 0)
				r = gen_object(g, f->sub, items + i * f->sub->size);
		}
		yajl_gen_map_close(g);
		return r;
	}
	case OCI_KIND_STRING_ARRAY: {
		char *const *items = *(char *const *const *)p;
		yajl_gen_array_open(g);
		for (size_t i = 0; r == 0 && i < n; i++)
			r = gen_string(g, items[i]);
		yajl_gen_array_close(g);
		return r;
	}
	case OCI_KIND_UINT32_ARRAY: {
		const uint32_t *items = *(const uint32_t *const *)p;
		yajl_gen_array_open(g);
		for (size_t i = 0; r == 0 && i < n; i++)
			r = gen_unsigned(g, items[i]);
		yajl_gen_array_close(g);
		return r;
	}
	case OCI_KIND_UINT64_ARRAY: {
		const uint64_t *items = *(const uint64_t *const *)p;
		yajl_gen_array_open(g);
		for (size_t i = 0; r == 0 && i < n; i++)
			r = gen_unsigned(g, items[i]);
		yajl_gen_array_close(g);
		return r;
	}
	case OCI_KIND_UINT64_MAP: {
		const uint64_t *values = *(const uint64_t *const *)p;
		char *const *keys = *(char *const *const *)((const char *)obj + f->keys_offset);
		yajl_gen_map_open(g);
		for (size_t i = 0; r == 0 && i < n; i++) {
			r = gen_string(g, keys[i]);
			if (r == 0)
				r = gen_unsigned(g, values[i]);
		}
		yajl_gen_map_close(g);
		return r;
	}
	case OCI_KIND_STRING_MAP: {
		const struct oci_string_map *map = *(const struct oci_string_map *const *)p;
		yajl_gen_map_open(g);
		for (size_t i = 0; r == 0 && i < map->len; i++) {
			r = gen_string(g, map->keys[i]);
			if (r == 0)
				r = gen_string(g, map->values[i]);
		}
		yajl_gen_map_close(g);
		return r;
	}
	}
	return -1;
}

static int gen_object(yajl_gen g, const struct ocispec_type *type, const void *obj)
{
	if (yajl_gen_map_open(g) != yajl_gen_status_ok)
		return -1;
	for (size_t k = 0; k < type->n_fields; k++) {
		const struct ocispec_field *f = &type->fields[k];
		if (!field_present(f, obj))
			continue;
		if (gen_string(g, f->json_name) < 0 || gen_value(g, f, obj) < 0)
			return -1;
	}
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -1;
}

int ocispec_generate(const struct ocispec_type *type, const void *obj, bool pretty, char **out,
		     size_t *len, char **err)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (g == NULL)
		return set_error(err, "%s: out of memory", type->name);
	yajl_gen_config(g, yajl_gen_validate_utf8, 1);
	if (pretty) {
		yajl_gen_config(g, yajl_gen_beautify, 1);
		yajl_gen_config(g, yajl_gen_indent_string, "\t");
	}
	int r = gen_object(g, type, obj);
	const unsigned char *buf = NULL;
	size_t n = 0;
	if (r == 0 && yajl_gen_get_buf(g, &buf, &n) == yajl_gen_status_ok) {
		char *copy = malloc(n + 1);
		if (copy == NULL) {
			r = set_error(err, "%s: out of memory", type->name);
		} else {
			memcpy(copy, buf, n);
			copy[n] = '\0';
			*out = copy;
			if (len)
				*len = n;
		}
	} else {
		r = set_error(err, "%s: cannot serialize (invalid UTF-8 or out of memory)",
			      type->name);
	}
	yajl_gen_free(g);
	return r;
}

void *ocispec_dup(const struct ocispec_type *type, const void *obj)
{
	char *json = NULL, *err = NULL;
	size_t len = 0;
	void *copy = NULL;
	if (ocispec_generate(type, obj, false, &json, &len, &err) == 0)
		ocispec_parse_data(type, json, len, type->name, &copy, &err);
	free(json);
	free(err);
	return copy;
}

/* ------------------------------------------------------------ string maps */

const char *oci_string_map_get(const struct oci_string_map *map, const char *key)
{
	if (map == NULL)
		return NULL;
	ssize_t at = find_key(map->keys, map->len, key);
	return at >= 0 ? map->values[at] : NULL;
}

int oci_string_map_set(struct oci_string_map **mapp, const char *key, const char *value)
{
	if (*mapp == NULL) {
		*mapp = calloc(1, sizeof(**mapp));
		if (*mapp == NULL)
			return -1;
	}
	struct oci_string_map *map = *mapp;
	char *v = strdup(value);
	if (v == NULL)
		return -1;
	ssize_t at = find_key(map->keys, map->len, key);
	if (at >= 0) {
		free(map->values[at]);
		map->values[at] = v;
		return 0;
	}
	char *k = strdup(key);
	char **keys = realloc(map->keys, (map->len + 1) * sizeof(char *));
	if (keys)
		map->keys = keys;
	char **values = keys ? realloc(map->values, (map->len + 1) * sizeof(char *)) : NULL;
	if (values)
		map->values = values;
	if (k == NULL || keys == NULL || values == NULL) {
		free(k);
		free(v);
		return -1;
	}
	map->keys[map->len] = k;
	map->values[map->len] = v;
	map->len++;
	return 0;
}
