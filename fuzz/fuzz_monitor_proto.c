/* fuzz_monitor_proto.c - libFuzzer target for mon_parse()
 * (fallbackd/monitor_proto.h): one message from a possibly compromised
 * network process, as the monitor receives it.
 *
 * Input: the bytes of one packet.  Invariants:
 *   - mon_parse returns 0 or -1, and 0 only for a known type;
 *   - on 0, the fields match the type's schema, every string lies inside
 *     the input, and encoding the fields again gives back exactly the
 *     input (nothing skipped, nothing left over);
 *   - mon_cstr never accepts a string holding a NUL or not fitting.
 */
#include "fuzz.h"
#include "monitor_proto.h"
#include "sshbuf.h"

/* The fields of M encoded again, per its schema. */
static void reencode(const struct mon_msg *m, struct sshbuf *b)
{
    const char *schema = mon_schema(m->type);

    sshbuf_put_u32(b, m->type);
    for (size_t i = 0; schema[i] != '\0'; i++) {
        if (schema[i] == 'u') {
            sshbuf_put_u32(b, m->f[i].u);
        } else {
            sshbuf_put_string(b, m->f[i].s, m->f[i].len);
        }
    }
}

/* Every string field of M lies inside [data, data + size). */
static int strings_inside(const struct mon_msg *m, const uint8_t *data, size_t size)
{
    const char *schema = mon_schema(m->type);

    for (size_t i = 0; schema[i] != '\0'; i++) {
        const struct mon_field *f = &m->f[i];

        if (schema[i] == 's' && (f->s == NULL || f->s < data || f->len > size ||
                                 f->s + f->len > data + size)) {
            return 0;
        }
    }
    return 1;
}

/* mon_cstr on every string field: accepted only without NUL, and fitting. */
static void check_cstr(const struct mon_msg *m)
{
    const char *schema = mon_schema(m->type);
    char out[64];

    for (size_t i = 0; schema[i] != '\0'; i++) {
        if (schema[i] == 's' && mon_cstr(&m->f[i], out, sizeof(out)) == 0) {
            FUZZ_CHECK(m->f[i].len < sizeof(out) && strlen(out) == m->f[i].len,
                       "mon_cstr accepted field %zu of %zu bytes", i, m->f[i].len);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mon_msg m;
    struct sshbuf b = SSHBUF_INIT;
    int rc;

    memset(&m, 0, sizeof(m));
    rc = mon_parse(data, size, &m);
    FUZZ_CHECK(rc == 0 || rc == -1, "mon_parse returned %d", rc);
    if (rc != 0) {
        return 0;
    }
    FUZZ_CHECK(mon_schema(m.type) != NULL, "accepted unknown type %u", m.type);
    FUZZ_CHECK(m.nfields == strlen(mon_schema(m.type)), "%zu fields for schema %s",
               m.nfields, mon_schema(m.type));
    FUZZ_CHECK(strings_inside(&m, data, size), "a string points outside the input");
    reencode(&m, &b);
    FUZZ_CHECK(sshbuf_ok(&b) && b.len == size && memcmp(b.data, data, size) == 0,
               "re-encoding gives %zu bytes, input had %zu", b.len, size);
    check_cstr(&m);
    sshbuf_free(&b);
    return 0;
}
