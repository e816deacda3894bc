/* The descriptor tables for every object type of spec-fields.h, and the typed
 * document wrappers (oci_spec_parse_file() and friends). Nothing here is
 * written by hand per field. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "ocispec-internal.h"

#define OCI_AUX_NONE(T, c) 0
#define OCI_AUX_HAS(T, c) offsetof(struct oci_##T, has_##c)
#define OCI_AUX_LEN(T, c) offsetof(struct oci_##T, c##_len)

#define OCI_SHAPE_STRING(T, c, s) OCI_AUX_NONE(T, c), 0, NULL
#define OCI_SHAPE_BOOL(T, c, s) OCI_AUX_HAS(T, c), 0, NULL
#define OCI_SHAPE_INT64(T, c, s) OCI_AUX_HAS(T, c), 0, NULL
#define OCI_SHAPE_UINT64(T, c, s) OCI_AUX_HAS(T, c), 0, NULL
#define OCI_SHAPE_INT32(T, c, s) OCI_AUX_HAS(T, c), 0, NULL
#define OCI_SHAPE_UINT32(T, c, s) OCI_AUX_HAS(T, c), 0, NULL
#define OCI_SHAPE_UINT16(T, c, s) OCI_AUX_HAS(T, c), 0, NULL
#define OCI_SHAPE_DOUBLE(T, c, s) OCI_AUX_HAS(T, c), 0, NULL
#define OCI_SHAPE_OBJECT(T, c, s) 0, 0, &oci_type_##s
#define OCI_SHAPE_OBJECT_ARRAY(T, c, s) OCI_AUX_LEN(T, c), 0, &oci_type_##s
#define OCI_SHAPE_OBJECT_MAP(T, c, s)                                                              \
	OCI_AUX_LEN(T, c), offsetof(struct oci_##T, c##_keys), &oci_type_##s
#define OCI_SHAPE_STRING_ARRAY(T, c, s) OCI_AUX_LEN(T, c), 0, NULL
#define OCI_SHAPE_UINT32_ARRAY(T, c, s) OCI_AUX_LEN(T, c), 0, NULL
#define OCI_SHAPE_UINT64_ARRAY(T, c, s) OCI_AUX_LEN(T, c), 0, NULL
#define OCI_SHAPE_STRING_MAP(T, c, s) 0, 0, NULL
#define OCI_SHAPE_UINT64_MAP(T, c, s) OCI_AUX_LEN(T, c), offsetof(struct oci_##T, c##_keys), NULL

#define OCI_FIELD_ENTRY(T, kind, c, j, s, fl)                                                      \
	{j, OCI_KIND_##kind, fl, offsetof(struct oci_##T, c), OCI_SHAPE_##kind(T, c, s)},

#define OCI_DEFINE_TYPE(name)                                                                      \
	static const struct ocispec_field oci_fields_##name[] = {                                  \
		OCI_FIELDS_##name(OCI_FIELD_ENTRY, name)};                                         \
	const struct ocispec_type oci_type_##name = {                                              \
		#name, sizeof(struct oci_##name), oci_fields_##name,                               \
		sizeof(oci_fields_##name) / sizeof(oci_fields_##name[0])};
OCI_ALL_TYPES(OCI_DEFINE_TYPE)

/* Checks that go beyond types, run on a whole parsed document. */
static int check_spec(const struct oci_spec *spec, const char *doc_name, char **err)
{
	char *why = NULL;
	if (oci_check_version(spec->oci_version, &why) == 0)
		return 0;
	if (err == NULL) {
		free(why);
		return -1;
	}
	int n = asprintf(err, "%s: .ociVersion: %s", doc_name, why ? why : "out of memory");
	if (n < 0)
		*err = NULL;
	free(why);
	return -1;
}

static int check_nothing(const void *obj, const char *doc_name, char **err)
{
	(void)obj, (void)doc_name, (void)err;
	return 0;
}

#define OCI_DEFINE_DOCUMENT(name, check)                                                           \
	static int check_##name##_document(struct oci_##name **out, const char *doc_name,          \
					   char **err)                                             \
	{                                                                                          \
		if (check(*out, doc_name ? doc_name : #name, err) == 0)                            \
			return 0;                                                                  \
		oci_##name##_free(*out);                                                           \
		*out = NULL;                                                                       \
		return -1;                                                                         \
	}                                                                                          \
	int oci_##name##_parse_data(const char *data, size_t len, const char *doc_name,            \
				    struct oci_##name **out, char **err)                           \
	{                                                                                          \
		if (ocispec_parse_data(&oci_type_##name, data, len, doc_name, (void **)out, err))  \
			return -1;                                                                 \
		return check_##name##_document(out, doc_name, err);                                \
	}                                                                                          \
	int oci_##name##_parse_file(const char *path, const char *doc_name,                        \
				    struct oci_##name **out, char **err)                           \
	{                                                                                          \
		if (ocispec_parse_file(&oci_type_##name, path, doc_name, (void **)out, err))       \
			return -1;                                                                 \
		return check_##name##_document(out, doc_name ? doc_name : path, err);              \
	}                                                                                          \
	int oci_##name##_parse_fd(int fd, const char *doc_name, struct oci_##name **out,           \
				  char **err)                                                      \
	{                                                                                          \
		if (ocispec_parse_fd(&oci_type_##name, fd, doc_name, (void **)out, err))           \
			return -1;                                                                 \
		return check_##name##_document(out, doc_name, err);                                \
	}                                                                                          \
	int oci_##name##_generate(const struct oci_##name *obj, bool pretty, char **out,           \
				  size_t *len, char **err)                                         \
	{                                                                                          \
		return ocispec_generate(&oci_type_##name, obj, pretty, out, len, err);             \
	}                                                                                          \
	void oci_##name##_free(struct oci_##name *obj)                                             \
	{                                                                                          \
		ocispec_free(&oci_type_##name, obj);                                               \
	}
OCI_DEFINE_DOCUMENT(spec, check_spec)
OCI_DEFINE_DOCUMENT(process, check_nothing)
OCI_DEFINE_DOCUMENT(state, check_nothing)
OCI_DEFINE_DOCUMENT(features, check_nothing)
OCI_DEFINE_DOCUMENT(container_process_state, check_nothing)
OCI_DEFINE_DOCUMENT(log_entry, check_nothing)
OCI_DEFINE_DOCUMENT(petrel_state, check_nothing)
OCI_DEFINE_DOCUMENT(resources, check_nothing)
OCI_DEFINE_DOCUMENT(event, check_nothing)
