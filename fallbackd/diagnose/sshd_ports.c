/* sshd_ports.c - which ports the main sshd is configured for: its
 * sshd_config and the files it includes, read as sshd reads them
 * (sshd_config_reader.h: Include in place, relative patterns under
 * /etc/ssh, bounded) and each line given to dg_sshd_conf_line
 * (dg_parse.h).
 */
#include "dg_checks.h"

#include "dg_parse.h"
#include "diag.h"
#include "sshd_config_reader.h"

#define SSHD_CONFIG SSHDCONF_DIR "/sshd_config"
#define FILES_MAX 64        /* files read at most: a look, during an incident */

static void port_line(void *arg, const struct sshdconf_line *l)
{
    dg_sshd_conf_line(arg, l);
}

size_t dg_sshd_ports(struct dg_report *r, unsigned *ports, size_t max)
{
    struct dg_sshd_conf c = { 0 };
    struct diag why = { 0 };
    struct sshdconf_reader rd = {
        .fn = port_line, .arg = &c, .diag = &why, .max_files = FILES_MAX,
    };
    enum sshdconf_result res = sshdconf_read_file(&rd, SSHD_CONFIG);

    if (res == SSHDCONF_UNREADABLE) {
        dg_add(r, DG_INFO, DG_SEC_SSHD, diag_last(&why), "%s cannot be read: sshd's port "
               "taken to be 22", SSHD_CONFIG);
    } else if (res == SSHDCONF_PROBLEMS) {
        dg_add(r, DG_INFO, DG_SEC_SSHD, diag_last(&why), "%zu problem%s reading %s and the "
               "files it includes (sshd refuses such lines)", diag_count(&why),
               diag_count(&why) == 1 ? "" : "s", SSHD_CONFIG);
    }
    diag_free(&why);
    if (c.bad > 0) {
        dg_add(r, DG_INFO, DG_SEC_SSHD, NULL, "%zu Port or ListenAddress value%s of %s not "
               "understood", c.bad, c.bad == 1 ? "" : "s", SSHD_CONFIG);
    }
    return dg_sshd_conf_ports(&c, ports, max);
}
