/* Command lines: "key=value key key=\"a b\"", split on spaces (Keel's own
 * command line), and the words of a line GRUB made (guest module lines,
 * kernel/guest_config.c). Pure. */
#ifndef KEEL_CMDLINE_H
#define KEEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/fmt.h"

#define CMDLINE_VALUE_MAX 128

struct cmdline_token {
    const char *key;
    size_t key_len;
    const char *val;        /* NULL when the word has no '=' */
    size_t val_len;         /* without the quotes of a quoted value */
};

/* Next word at *cursor; false at the end. An unterminated quote runs to the
 * end of the line. */
bool cmdline_next(const char **cursor, struct cmdline_token *tok);

/* One option: `set` parses the value (NULL for a bare word) into `target`
 * and returns NULL, or returns why the value is wrong. */
struct option_desc {
    const char *name;
    const char *(*set)(const struct option_desc *opt, const char *val, void *target);
    void *target;
    const void *arg;        /* for `set`: the choices ("a|b|c"), a struct option_range */
};

/* A number option: min..max, stored shifted left by `shift` (MiB to
 * bytes: 20) into a target of `size` bytes (4 or 8); `why` is the message
 * for a value outside, such as "expected MiB from 1 to 1024". */
struct option_range {
    uint64_t min, max;
    unsigned shift, size;
    const char *why;
};
const char *option_set_range(const struct option_desc *opt, const char *val, void *target);


/* Apply every word of `line` through `opts`. Unknown options and bad
 * values are reported and ignored. Returns the number of reports. */
int cmdline_apply(const char *line, const struct option_desc *opts, size_t nopts,
                  report_fn report, void *ctx);

/* Apply one word: returns the option it set, or NULL after a report (an
 * unknown option, a value too long or one `set` refused). */
const struct option_desc *cmdline_apply_token(const struct cmdline_token *tok,
                                              const struct option_desc *opts, size_t nopts,
                                              report_fn report, void *ctx);

/* GRUB 2 hands a kernel or module its line's words (after the file name)
 * as one string made by grub_create_loader_cmdline (grub-core/lib/
 * cmdline.c): the words joined by one space, a word that holds a space in
 * double quotes, and every \, ' and " in a word preceded by a backslash.
 * These two undo that exactly, giving back the words GRUB's script parser
 * made. A word ends at the first space outside double quotes (or at the
 * NUL): "" has no words; otherwise each separating space starts one more,
 * so "a " is the words "a" and "". */
size_t cmdline_grub_word_len(const char *s);
/* The word s[0..len) with its quotes and escapes undone: writes at most
 * `size` bytes of it to `out` (no NUL; out may be NULL with size 0) and
 * returns its whole length, which is at most len. */
size_t cmdline_grub_unquote(const char *s, size_t len, char *out, size_t size);

/* A `set` function for an option whose value is one of the words in
 * opt->arg ("a|b|c"): stores the word's index as an int. */
const char *option_set_choice(const struct option_desc *opt, const char *val, void *target);

/* Helpers for `set` functions. */
bool parse_u64(const char *s, uint64_t *out);       /* decimal or 0x hex */
/* Index of `s` in a "|"-separated list such as "error|warn|info", or -1. */
int parse_choice(const char *s, const char *choices);

#endif
