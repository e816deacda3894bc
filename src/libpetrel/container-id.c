/* Container id validation, shared by every command that takes an id: the id
 * names the state directory, so it must never be able to escape --root. */
#include <stdbool.h>
#include <string.h>

#include "container-id.h"

static bool id_char_allowed(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '+' || c == '.' || c == '-';
}

int petrel_validate_container_id(const char *id, struct petrel_error **err)
{
	if (id == NULL || *id == '\0')
		return petrel_error_set(err, 0, "container id cannot be empty");
	size_t len = strnlen(id, PETREL_CONTAINER_ID_MAX + 1);
	if (len > PETREL_CONTAINER_ID_MAX)
		return petrel_error_set(err, 0, "invalid container id: longer than %d characters",
					PETREL_CONTAINER_ID_MAX);
	/* Names starting with a dot are petrel's own under --root (.seccomp-cache),
	 * and "." and ".." are no names at all. */
	if (id[0] == '.')
		return petrel_error_set(
			err, 0, "invalid container id \"%s\": it cannot start with \".\"", id);
	for (const char *p = id; *p; p++) {
		if (!id_char_allowed(*p))
			return petrel_error_set(err, 0,
						"invalid container id \"%s\": only letters, "
						"digits and \"_+.-\" are allowed",
						id);
	}
	return 0;
}
