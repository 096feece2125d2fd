/* setup_yaml.h - YAML <-> cJSON for setup documents (libyaml).
 *
 * Parse: one YAML document into the JSON tree it stands for. Mappings are
 * objects (keys as written, in order; a key given twice is an error),
 * sequences arrays, quoted and block scalars strings. Plain scalars are
 * typed as the YAML 1.2 core schema types them: null (~, null, Null,
 * NULL, empty), booleans (true / True / TRUE, false ...), integers
 * ([-+]?[0-9]+, 0x.., 0o..) and floats ([-+]?(.5|1|1.5)(e[-+]?2)?); any
 * other plain scalar ("yes", "on", "2026-01-01") is a string. .inf / .nan,
 * anchors and aliases, tags, complex keys, more than one document and an
 * input past SETUP_YAML_MAX are refused; every error names the path of
 * the node in the document and its line ("tasks[1].name: given twice
 * (line 9)").
 *
 * Emit: block style, keys in the tree's order, 2-space indent; a string is
 * plain only when every YAML reader (1.1 and 1.2) reads it back as that
 * string, else double-quoted with escapes, or a literal block (|) when it
 * has several lines of printable text. Floats carry a '.' (1.0e+20), so
 * YAML 1.1 readers see a float too. emit -> parse gives the same tree. */
#ifndef ZQ_SETUP_YAML_H
#define ZQ_SETUP_YAML_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "err.h"

#define SETUP_YAML_MAX (16u << 20)  /* bytes of a document */
#define SETUP_YAML_DEPTH_MAX 30     /* nested mappings / sequences */

/* Parse text (len bytes) into *out (owned; cJSON_Delete). ZQ_EINVAL with
 * the path, ZQ_ETOOBIG past the size cap. */
int setup_yaml_parse(const char *text, size_t len, cJSON **out, zq_err *err);

/* v as a YAML document (heap text, free()); never NULL. */
char *setup_yaml_emit(const cJSON *v);

#endif
