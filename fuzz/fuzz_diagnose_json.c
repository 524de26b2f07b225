/* fuzz_diagnose_json.c - libFuzzer target for the incident console's
 * output (fallbackd/diagnose/dg_json.h, dg_report.h): the input, split at
 * NUL bytes into title / evidence pairs, becomes findings of every level
 * and section; the report is rendered as JSON, as text and as the
 * at-login banner.
 *
 * Invariants: the JSON has no raw control byte, is valid UTF-8, and every
 * '"' inside a string is escaped (the strings balance: after the opening
 * '{' the unescaped quotes come in pairs); the text report has no control
 * byte other than '\n' and the banner none other than "\r\n" endings.
 */
#include "fuzz.h"

#include "diagnose/dg_json.h"
#include "diagnose/dg_report.h"

static const char *const sections[] = { DG_SEC_SSHD, DG_SEC_PKG, DG_SEC_SYSTEM, DG_SEC_DOOR };

/* Is P (N bytes) valid UTF-8?  (Accepts what dg_json writes.) */
static int valid_utf8(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t len = p[i] < 0x80 ? 1 : (p[i] & 0xe0) == 0xc0 ? 2 : (p[i] & 0xf0) == 0xe0 ? 3
                   : (p[i] & 0xf8) == 0xf0 ? 4 : 0;

        if (len == 0 || i + len > n) {
            return 0;
        }
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80) {
                return 0;
            }
        }
        i += len;
    }
    return 1;
}

static void check_json(const struct dg_out *o)
{
    size_t quotes = 0;

    FUZZ_CHECK(o->len > 0 && o->p[0] == '{', "json: not an object");
    FUZZ_CHECK(valid_utf8((const unsigned char *)o->p, o->len), "json: invalid UTF-8");
    for (size_t i = 0; i < o->len; i++) {
        unsigned char c = (unsigned char)o->p[i];

        FUZZ_CHECK(c >= 0x20 || (c == '\n' && i == o->len - 1), "json: raw byte 0x%02x", c);
        if (c == '\\') {
            i++;
        } else if (c == '"') {
            quotes++;
        }
    }
    FUZZ_CHECK(quotes % 2 == 0, "json: %zu unescaped quotes", quotes);
}

static void check_plain(const struct dg_out *o, int crlf)
{
    for (size_t i = 0; i < o->len; i++) {
        unsigned char c = (unsigned char)o->p[i];

        FUZZ_CHECK(c >= 0x20 || c == '\n' || (crlf && c == '\r' && o->p[i + 1] == '\n'),
                   "text: control byte 0x%02x at %zu", c, i);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dg_report r = { 0 };
    struct dg_out json = { 0 }, text = { 0 }, banner = { 0 };
    char *buf = malloc(size + 1);
    size_t pos = 0, k = 0;

    FUZZ_CHECK(buf != NULL, "out of memory");
    memcpy(buf, data, size);
    buf[size] = '\0';
    while (pos <= size && k < 64) {
        const char *title = buf + pos;
        const char *ev;

        pos += strlen(title) + 1;
        ev = pos <= size ? buf + pos : "";
        pos += pos <= size ? strlen(ev) + 1 : 0;
        dg_add(&r, (enum dg_level)(k % 4), sections[(k / 4) % 4], ev, "%s", title);
        k++;
    }
    dg_render_json(&r, &json);
    dg_render_text(&r, &text, "\n");
    dg_render_banner(&r, &banner, 4, "\r\n");
    check_json(&json);
    check_plain(&text, 0);
    check_plain(&banner, 1);
    dg_out_free(&json);
    dg_out_free(&text);
    dg_out_free(&banner);
    dg_report_free(&r);
    free(buf);
    return 0;
}
