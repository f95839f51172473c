/* volclone-copy: a C tool over libvolclone.
 *   volclone-copy [--verify] SOURCE TARGET   copy with a progress line on stderr
 *   volclone-copy --plan REQUEST.json        print the plan as JSON
 * Exit: 0 ok, 1 error, 3 no strategy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <volclone.h>

static void on_progress(void *user, const volclone_progress *p) {
    (void)user;
    double pct = p->bytes_total ? 100.0 * (double)p->bytes_done / (double)p->bytes_total : 100.0;
    fprintf(stderr, "\r%s %5.1f%% %8.1f MiB/s", p->phase ? "verify" : "copy  ", pct, p->bytes_per_sec / 1048576.0);
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len <= 1) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger) { free(buf); buf = NULL; }
            else buf = bigger;
        }
    }
    fclose(f);
    if (buf) buf[len] = '\0';
    return buf;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--plan") == 0) {
        char *req = slurp(argv[2]);
        if (!req) { perror(argv[2]); return 1; }
        char *plan = NULL;
        volclone_status st = volclone_plan_json(req, &plan);
        free(req);
        if (plan) puts(plan);
        volclone_string_free(plan);
        if (st != VOLCLONE_STATUS_OK) fprintf(stderr, "volclone-copy: %s: %s\n", volclone_status_name(st), volclone_last_error());
        return st == VOLCLONE_STATUS_OK ? 0 : st == VOLCLONE_STATUS_NO_STRATEGY ? 3 : 1;
    }
    int verify = argc == 4 && strcmp(argv[1], "--verify") == 0;
    if (argc != 3 + verify) {
        fprintf(stderr, "usage: volclone-copy [--verify] SOURCE TARGET | volclone-copy --plan REQUEST.json\n");
        return 1;
    }
    volclone_copy_options opts;
    volclone_copy_options_init(&opts);
    opts.verify = verify;
    volclone_copy_report rep;
    volclone_copy_report_init(&rep);
    volclone_status st = volclone_copy(argv[1 + verify], argv[2 + verify], &opts, on_progress, NULL, NULL, &rep);
    fputc('\n', stderr);
    if (st != VOLCLONE_STATUS_OK) {
        fprintf(stderr, "volclone-copy: %s: %s\n", volclone_status_name(st), volclone_last_error());
        return 1;
    }
    printf("copied %llu bytes in %.2f s (%.0f MiB/s), wrote %llu, zeros %llu%s\n", (unsigned long long)rep.bytes_total,
           rep.seconds, rep.mib_per_sec, (unsigned long long)rep.bytes_written, (unsigned long long)rep.bytes_zero,
           rep.verified ? ", verified" : "");
    return 0;
}
