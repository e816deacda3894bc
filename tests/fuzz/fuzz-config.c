/* libFuzzer target for libocispec: any input either fails with a message that
 * names its document or parses into a document whose serialization re-parses
 * to the identical serialization (and copies the same way). The input is tried
 * as every document type petrel reads. Any other outcome aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocispec.h"

static void fail(const char *what, const char *doc_name, const char *detail)
{
	fprintf(stderr, "fuzz-config: %s: %s%s%s\n", doc_name, what, detail ? ": " : "",
		detail ? detail : "");
	abort();
}

/* A refused input must say why, starting with the document's name. */
static void check_error(const char *doc_name, char *err)
{
	if (err == NULL)
		fail("parse failed without a message", doc_name, NULL);
	if (strncmp(err, doc_name, strlen(doc_name)) != 0 || err[strlen(doc_name)] != ':')
		fail("error does not name the document", doc_name, err);
	free(err);
}

static char *generate_or_abort(const struct ocispec_type *type, const void *doc, bool pretty,
			       const char *doc_name, size_t *len)
{
	char *out = NULL, *err = NULL;
	if (ocispec_generate(type, doc, pretty, &out, len, &err) < 0)
		fail("cannot serialize a parsed document", doc_name, err);
	if (strlen(out) != *len)
		fail("serialization contains a NUL byte", doc_name, out);
	return out;
}

/* Serialization must be a fixed point after one parse: parse(gen(doc)) gives
 * back gen(doc), in compact and pretty form and through ocispec_dup(). */
static void check_round_trip(const struct ocispec_type *type, void *doc, const char *doc_name)
{
	size_t len = 0, len2 = 0, pretty_len = 0;
	char *first = generate_or_abort(type, doc, false, doc_name, &len);
	void *again = NULL;
	char *err = NULL;
	if (ocispec_parse_data(type, first, len, doc_name, &again, &err) < 0)
		fail("serialization does not parse", doc_name, err);
	char *second = generate_or_abort(type, again, false, doc_name, &len2);
	if (len != len2 || memcmp(first, second, len) != 0)
		fail("serialization is not stable", doc_name, first);

	char *pretty = generate_or_abort(type, doc, true, doc_name, &pretty_len);
	void *from_pretty = NULL;
	if (ocispec_parse_data(type, pretty, pretty_len, doc_name, &from_pretty, &err) < 0)
		fail("pretty serialization does not parse", doc_name, err);
	char *third = generate_or_abort(type, from_pretty, false, doc_name, &len2);
	if (len != len2 || memcmp(first, third, len) != 0)
		fail("pretty serialization reads back differently", doc_name, pretty);

	void *copy = ocispec_dup(type, doc);
	if (copy == NULL)
		fail("ocispec_dup failed", doc_name, first);
	char *fourth = generate_or_abort(type, copy, false, doc_name, &len2);
	if (len != len2 || memcmp(first, fourth, len) != 0)
		fail("ocispec_dup's copy serializes differently", doc_name, first);

	ocispec_free(type, copy);
	ocispec_free(type, from_pretty);
	ocispec_free(type, again);
	free(first);
	free(second);
	free(pretty);
	free(third);
	free(fourth);
}

static void fuzz_document(const struct ocispec_type *type, const char *data, size_t size,
			  const char *doc_name)
{
	void *doc = NULL;
	char *err = NULL;
	if (ocispec_parse_data(type, data, size, doc_name, &doc, &err) < 0) {
		if (doc != NULL)
			fail("failed parse returned a document", doc_name, err);
		check_error(doc_name, err);
		return;
	}
	if (err != NULL)
		fail("successful parse left a message", doc_name, err);
	check_round_trip(type, doc, doc_name);
	ocispec_free(type, doc);
}

/* config.json goes through the typed entry point, which also checks the version. */
static void fuzz_config(const char *data, size_t size)
{
	struct oci_spec *spec = NULL;
	char *err = NULL;
	if (oci_spec_parse_data(data, size, "config.json", &spec, &err) < 0) {
		if (spec != NULL)
			fail("failed parse returned a document", "config.json", err);
		check_error("config.json", err);
		return;
	}
	if (spec->oci_version == NULL || oci_check_version(spec->oci_version, &err) < 0)
		fail("accepted an unsupported ociVersion", "config.json", err);
	check_round_trip(&oci_type_spec, spec, "config.json");
	oci_spec_free(spec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	fuzz_config(text, size);
	fuzz_document(&oci_type_process, text, size, "process.json");
	fuzz_document(&oci_type_state, text, size, "state.json");
	fuzz_document(&oci_type_features, text, size, "features.json");
	fuzz_document(&oci_type_container_process_state, text, size, "container-process-state");
	fuzz_document(&oci_type_log_entry, text, size, "log.json");
	fuzz_document(&oci_type_petrel_state, text, size, "petrel-state.json");
	fuzz_document(&oci_type_resources, text, size, "resources.json");
	fuzz_document(&oci_type_event, text, size, "event.json");
	return 0;
}
