/* libocispec: typed C model of the runtime spec's JSON documents (config.json,
 * state.json, the exec process JSON, features.json) and of petrel's own (its
 * state record, the `events` lines), generated from the field lists in
 * spec-fields.h. Callers see structs and these functions; JSON and yajl stay
 * inside this directory. */
#ifndef OCISPEC_H
#define OCISPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec-fields.h"

/* A JSON object of strings, in document order. */
struct oci_string_map {
	char **keys;
	char **values;
	size_t len;
};

/* Struct members for each field kind. Scalars carry has_<name>, telling an
 * absent field from a zero; pointers are NULL when absent (an empty array or
 * map is a non-NULL pointer with len 0). Parsed string arrays are also
 * NULL-terminated (items[len] == NULL), as execve() wants them. */
#define OCI_MEMBER_STRING(c, s) char *c;
#define OCI_MEMBER_BOOL(c, s) bool c, has_##c;
#define OCI_MEMBER_INT64(c, s)                                                                     \
	int64_t c;                                                                                 \
	bool has_##c;
#define OCI_MEMBER_UINT64(c, s)                                                                    \
	uint64_t c;                                                                                \
	bool has_##c;
#define OCI_MEMBER_INT32(c, s)                                                                     \
	int32_t c;                                                                                 \
	bool has_##c;
#define OCI_MEMBER_UINT32(c, s)                                                                    \
	uint32_t c;                                                                                \
	bool has_##c;
#define OCI_MEMBER_UINT16(c, s)                                                                    \
	uint16_t c;                                                                                \
	bool has_##c;
#define OCI_MEMBER_DOUBLE(c, s)                                                                    \
	double c;                                                                                  \
	bool has_##c;
#define OCI_MEMBER_OBJECT(c, s) struct oci_##s *c;
#define OCI_MEMBER_OBJECT_ARRAY(c, s)                                                              \
	struct oci_##s *c;                                                                         \
	size_t c##_len;
#define OCI_MEMBER_OBJECT_MAP(c, s)                                                                \
	struct oci_##s *c;                                                                         \
	char **c##_keys;                                                                           \
	size_t c##_len;
#define OCI_MEMBER_STRING_ARRAY(c, s)                                                              \
	char **c;                                                                                  \
	size_t c##_len;
#define OCI_MEMBER_UINT32_ARRAY(c, s)                                                              \
	uint32_t *c;                                                                               \
	size_t c##_len;
#define OCI_MEMBER_UINT64_ARRAY(c, s)                                                              \
	uint64_t *c;                                                                               \
	size_t c##_len;
#define OCI_MEMBER_STRING_MAP(c, s) struct oci_string_map *c;
/* A JSON object of integers: values and keys side by side, in document order. */
#define OCI_MEMBER_UINT64_MAP(c, s)                                                                \
	uint64_t *c;                                                                               \
	char **c##_keys;                                                                           \
	size_t c##_len;
#define OCI_MEMBER(T, kind, c, j, s, flags) OCI_MEMBER_##kind(c, s)

#define OCI_DECLARE_STRUCT(name)                                                                   \
	struct oci_##name {                                                                        \
		OCI_FIELDS_##name(OCI_MEMBER, _)                                                   \
	};
OCI_ALL_TYPES(OCI_DECLARE_STRUCT)
#undef OCI_DECLARE_STRUCT

/* The description of one object type, used by the generic functions. */
struct ocispec_type;
#define OCI_DECLARE_TYPE(name) extern const struct ocispec_type oci_type_##name;
OCI_ALL_TYPES(OCI_DECLARE_TYPE)
#undef OCI_DECLARE_TYPE

/* Generic functions over any described type. Errors are returned as a
 * malloc'd message in *err that names the document and the JSON path:
 * `config.json: .linux.resources.memory.limit: expected integer, got string`.
 * All return 0 on success and -1 on failure. */
int ocispec_parse_data(const struct ocispec_type *type, const char *data, size_t len,
		       const char *name, void **out, char **err);
int ocispec_parse_file(const struct ocispec_type *type, const char *path, const char *name,
		       void **out, char **err);
int ocispec_parse_fd(const struct ocispec_type *type, int fd, const char *name, void **out,
		     char **err);
/* Serialize; pretty output is indented with tabs like runc's. *out is NUL-terminated. */
int ocispec_generate(const struct ocispec_type *type, const void *obj, bool pretty, char **out,
		     size_t *len, char **err);
void ocispec_free(const struct ocispec_type *type, void *obj);
/* A deep copy through serialization; NULL on allocation failure. */
void *ocispec_dup(const struct ocispec_type *type, const void *obj);

/* Typed wrappers for the documents: oci_spec_parse_file(), oci_state_generate(), ... */
#define OCI_DECLARE_DOCUMENT(name)                                                                 \
	int oci_##name##_parse_data(const char *data, size_t len, const char *doc_name,            \
				    struct oci_##name **out, char **err);                          \
	int oci_##name##_parse_file(const char *path, const char *doc_name,                        \
				    struct oci_##name **out, char **err);                          \
	int oci_##name##_parse_fd(int fd, const char *doc_name, struct oci_##name **out,           \
				  char **err);                                                     \
	int oci_##name##_generate(const struct oci_##name *obj, bool pretty, char **out,           \
				  size_t *len, char **err);                                        \
	void oci_##name##_free(struct oci_##name *obj);
OCI_DECLARE_DOCUMENT(spec)
OCI_DECLARE_DOCUMENT(process)
OCI_DECLARE_DOCUMENT(state)
OCI_DECLARE_DOCUMENT(features)
OCI_DECLARE_DOCUMENT(container_process_state)
OCI_DECLARE_DOCUMENT(log_entry)
OCI_DECLARE_DOCUMENT(petrel_state)
OCI_DECLARE_DOCUMENT(resources)
OCI_DECLARE_DOCUMENT(event)
#undef OCI_DECLARE_DOCUMENT

/* Spec versions petrel reads: any 1.x.y. */
#define OCI_SPEC_VERSION_MIN "1.0.0"
#define OCI_SPEC_VERSION_MAX "1.3.0"
/* The version petrel writes into documents it generates. */
#define OCI_SPEC_VERSION "1.2.1"

/* 0 if `version` is a 1.x.y spec version, else -1 with *err saying why. */
int oci_check_version(const char *version, char **err);

/* Helpers for the string map. */
const char *oci_string_map_get(const struct oci_string_map *map, const char *key);
/* Sets or replaces key; 0 or -1 (ENOMEM). */
int oci_string_map_set(struct oci_string_map **map, const char *key, const char *value);
void oci_string_map_free(struct oci_string_map *map);

#endif
