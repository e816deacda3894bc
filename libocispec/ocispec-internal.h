/* The descriptors that drive libocispec's generic parser, serializer and
 * destructor: one ocispec_type per JSON object, one ocispec_field per member,
 * generated from spec-fields.h in types.c. */
#ifndef OCISPEC_INTERNAL_H
#define OCISPEC_INTERNAL_H

#include "ocispec.h"

enum ocispec_kind {
	OCI_KIND_STRING,
	OCI_KIND_BOOL,
	OCI_KIND_INT64,
	OCI_KIND_UINT64,
	OCI_KIND_INT32,
	OCI_KIND_UINT32,
	OCI_KIND_UINT16,
	OCI_KIND_DOUBLE,
	OCI_KIND_OBJECT,
	OCI_KIND_OBJECT_ARRAY,
	OCI_KIND_OBJECT_MAP,
	OCI_KIND_STRING_ARRAY,
	OCI_KIND_UINT32_ARRAY,
	OCI_KIND_UINT64_ARRAY,
	OCI_KIND_STRING_MAP,
	OCI_KIND_UINT64_MAP,
};

struct ocispec_field {
	const char *json_name;
	enum ocispec_kind kind;
	unsigned flags;
	size_t offset;      /* the value, or the array/map pointer */
	size_t aux_offset;  /* has_<name> for scalars, <name>_len for arrays and maps */
	size_t keys_offset; /* <name>_keys for object and uint64 maps */
	const struct ocispec_type *sub;
};

struct ocispec_type {
	const char *name;
	size_t size;
	const struct ocispec_field *fields;
	size_t n_fields;
};

#endif
