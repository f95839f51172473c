/* C tests of libvolclone: every exported function, the error paths, threads.
 * Usage: test_volclone SEED_REQUEST.json SCRATCH_DIR. Prints "N passed, M failed". */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <volclone.h>

static int passed, failed;
#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (cond) passed++;                                                           \
        else { failed++; fprintf(stderr, "FAIL %s:%d: %s (last error: %s)\n",         \
                                 __FILE__, __LINE__, #cond, volclone_last_error()); } \
    } while (0)

static char *seed;
static char scratch[4096];

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = calloc((size_t)n + 1, 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    fclose(f);
    return buf;
}

static void path_of(char *out, size_t len, const char *name) { snprintf(out, len, "%s/%s", scratch, name); }

static void make_file(const char *path, size_t size, int fill) {
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    char buf[65536];
    for (size_t off = 0; off < size; off += sizeof buf) {
        size_t n = size - off < sizeof buf ? size - off : sizeof buf;
        for (size_t i = 0; i < n; i++) buf[i] = fill ? (char)((off + i) * 131 % 251 + fill) : 0;
        if (write(fd, buf, n) != (ssize_t)n) abort();
    }
    close(fd);
}

static int same_content(const char *a, const char *b, size_t size) {
    char *x = malloc(size), *y = malloc(size);
    int fa = open(a, O_RDONLY), fb = open(b, O_RDONLY);
    int ok = read(fa, x, size) == (ssize_t)size && read(fb, y, size) == (ssize_t)size && memcmp(x, y, size) == 0;
    close(fa); close(fb); free(x); free(y);
    return ok;
}

static void test_version_and_names(void) {
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", VOLCLONE_VERSION_MAJOR, VOLCLONE_VERSION_MINOR, VOLCLONE_VERSION_PATCH);
    CHECK(strcmp(volclone_version(), want) == 0);
    CHECK(strcmp(volclone_status_name(VOLCLONE_STATUS_OK), "ok") == 0);
    CHECK(strcmp(volclone_status_name(VOLCLONE_STATUS_BUSY), "busy") == 0);
    for (int s = VOLCLONE_STATUS_OK; s <= VOLCLONE_STATUS_PANIC; s++) CHECK(volclone_status_name((volclone_status)s)[0] != '\0');
    /* Any uint32_t is safe: unknown values have a fixed name. */
    const uint32_t odd[] = {14, 99, 1000, 0xFFFFFFFFu};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) CHECK(strcmp(volclone_status_name(odd[i]), "unknown status") == 0);
}

static void test_plan(void) {
    char *plan = NULL;
    CHECK(volclone_plan_json(seed, &plan) == VOLCLONE_STATUS_OK);
    CHECK(plan && strstr(plan, "\"chosen\": \"ZFS_COPY\""));
    CHECK(plan && !strstr(plan, "\"force\": true"));
    CHECK(strcmp(volclone_last_error(), "") == 0);
    volclone_string_free(plan);

    /* A target of 4096 bytes: no strategy, but the plan still says why. */
    char *small = strdup(seed);
    char *t = strstr(small, "\"target\"");
    char *sz = t ? strstr(t, "10737418240") : NULL;
    CHECK(sz != NULL);
    if (sz) memcpy(sz, "          4", 11); /* spaces, then 4 */
    plan = NULL;
    CHECK(volclone_plan_json(small, &plan) == VOLCLONE_STATUS_NO_STRATEGY);
    CHECK(plan && strstr(plan, "\"chosen\": null"));
    CHECK(strstr(volclone_last_error(), "no clone strategy") != NULL);
    volclone_string_free(plan);
    free(small);

    char *untouched = (char *)0x1;
    CHECK(volclone_plan_json(NULL, &plan) == VOLCLONE_STATUS_NULL_POINTER);
    CHECK(strstr(volclone_last_error(), "request_json is NULL") != NULL);
    CHECK(volclone_plan_json(seed, NULL) == VOLCLONE_STATUS_NULL_POINTER);
    CHECK(volclone_plan_json("{\"version\": 1,\n  \"source\": [", &untouched) == VOLCLONE_STATUS_INVALID_REQUEST);
    CHECK(strstr(volclone_last_error(), "line 2 column") != NULL);
    CHECK(untouched == (char *)0x1); /* outputs are written only on success */
    CHECK(volclone_plan_json("{\"version\": \"\xff\xfe\"}", &untouched) == VOLCLONE_STATUS_INVALID_UTF8);
    CHECK(volclone_plan_json("{\"version\": 1}", &untouched) == VOLCLONE_STATUS_INVALID_REQUEST);
    CHECK(strstr(volclone_last_error(), "missing field `source`") != NULL);
    volclone_string_free(NULL);
}

static unsigned long long last_done;
static void on_progress(void *user, const volclone_progress *p) {
    (*(int *)user)++;
    if (p->phase == 0) last_done = p->bytes_done;
}

static void test_copy(void) {
    char src[4200], dst[4200], small[4200];
    path_of(src, sizeof src, "src.img");
    path_of(dst, sizeof dst, "dst.img");
    path_of(small, sizeof small, "small.img");
    make_file(src, 3 * 1048576 + 4097, 1);
    make_file(dst, 3 * 1048576 + 4097, 0);
    make_file(small, 4096, 0);

    volclone_copy_options o;
    CHECK(volclone_copy_options_init(NULL) == VOLCLONE_STATUS_NULL_POINTER);
    CHECK(volclone_copy_options_init(&o) == VOLCLONE_STATUS_OK);
    CHECK(o.struct_size == sizeof o && o.workers == 4 && o.chunk_size == 1048576 && o.fsync && !o.verify);
    o.verify = true;
    o.workers = 3;
    volclone_copy_report r;
    CHECK(volclone_copy_report_init(&r) == VOLCLONE_STATUS_OK && r.struct_size == sizeof r);
    int calls = 0;
    CHECK(volclone_copy(src, dst, &o, on_progress, &calls, NULL, &r) == VOLCLONE_STATUS_OK);
    CHECK(r.bytes_total == 3 * 1048576 + 4097 && r.verified && r.fsynced);
    CHECK(calls >= 2 && last_done == r.bytes_total);
    /* The default (AUTO) streams a pair of regular files: no O_DIRECT (since 0.2.0). */
    CHECK(o.io == VOLCLONE_IO_MODE_AUTO && !r.direct);
    CHECK(same_content(src, dst, r.bytes_total));
    CHECK(volclone_copy(src, dst, NULL, NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_OK);
    /* Streaming (through the page cache, left as found), onto a target full of other data. */
    make_file(dst, 3 * 1048576 + 4097, 2);
    CHECK(!same_content(src, dst, 3 * 1048576 + 4097));
    o.io = VOLCLONE_IO_MODE_STREAMING;
    CHECK(volclone_copy(src, dst, &o, NULL, NULL, NULL, &r) == VOLCLONE_STATUS_OK);
    CHECK(r.verified && !r.direct);
    CHECK(same_content(src, dst, r.bytes_total));

    memset(&r, 0xab, sizeof r);
    r.struct_size = sizeof r;
    volclone_copy_report before = r;
    CHECK(volclone_copy(src, small, NULL, NULL, NULL, NULL, &r) == VOLCLONE_STATUS_TARGET_TOO_SMALL);
    CHECK(strstr(volclone_last_error(), "grow the target") != NULL);
    CHECK(memcmp(&r, &before, sizeof r) == 0);
    CHECK(volclone_copy(src, src, NULL, NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_SAME_DEVICE);
    CHECK(volclone_copy("/nonexistent/src", dst, NULL, NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_IO);
    CHECK(strstr(volclone_last_error(), "/nonexistent/src") != NULL);
    CHECK(volclone_copy(NULL, dst, NULL, NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_NULL_POINTER);
    CHECK(volclone_copy(src, NULL, NULL, NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_NULL_POINTER);
    CHECK(volclone_copy("\xff", dst, NULL, NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_INVALID_UTF8);

    volclone_copy_options bad;
    volclone_copy_options_init(&bad);
    bad.workers = 0;
    CHECK(volclone_copy(src, dst, &bad, NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(volclone_last_error(), "workers = 0") != NULL);
    volclone_copy_options_init(&bad);
    bad.sparse = 7;
    CHECK(volclone_copy(src, dst, &bad, NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_INVALID_ARGUMENT);
    volclone_copy_options_init(&bad);
    CHECK(bad.io == VOLCLONE_IO_MODE_AUTO);
    bad.io = 9;
    CHECK(volclone_copy(src, dst, &bad, NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(volclone_last_error(), "options.io is 9") != NULL);
    volclone_copy_options_init(&bad);
    bad.struct_size = 8;
    CHECK(volclone_copy(src, dst, &bad, NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(volclone_last_error(), "volclone_copy_options_init") != NULL);
    volclone_copy_options_init(&bad);
    bad.chunk_size = 1000;
    CHECK(volclone_copy(src, dst, &bad, NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_INVALID_ARGUMENT);
    volclone_copy_options_init(&bad);
    bad.verify = 2;
    CHECK(volclone_copy(src, dst, &bad, NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(volclone_last_error(), "options.verify is 2: give 0 or 1") != NULL);

    /* An older caller's smaller struct (up to `io`): the rest takes the defaults. */
    struct { uint32_t struct_size, workers; uint64_t chunk_size; uint32_t sparse, io; } old = {24, 2, 262144, 0, 0};
    CHECK(volclone_copy(src, dst, (const volclone_copy_options *)(const void *)&old, NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_OK);
    CHECK(same_content(src, dst, 3 * 1048576 + 4097));
    /* A newer caller's larger struct: zeros beyond what this library knows are fine, anything else is refused. */
    struct { volclone_copy_options known; uint64_t newer; } big;
    volclone_copy_options_init(&big.known);
    big.known.struct_size = sizeof big;
    big.newer = 0;
    CHECK(volclone_copy(src, dst, &big.known, NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_OK);
    big.newer = 1;
    CHECK(volclone_copy(src, dst, &big.known, NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(volclone_last_error(), "does not know") != NULL);
    /* An older caller's smaller report gets only the fields it has. */
    struct { uint32_t struct_size, zero_method; uint64_t bytes_total; uint64_t canary; } small_report = {16, 99, 0, 0x5a5a5a5a5a5a5a5aull};
    CHECK(volclone_copy(src, dst, NULL, NULL, NULL, NULL, (volclone_copy_report *)(void *)&small_report) == VOLCLONE_STATUS_OK);
    CHECK(small_report.bytes_total == 3 * 1048576 + 4097 && small_report.zero_method != 99);
    CHECK(small_report.canary == 0x5a5a5a5a5a5a5a5aull);
}

struct cancel_arg { volclone_cancel *cancel; };
static void *cancel_later(void *p) {
    usleep(200 * 1000);
    volclone_cancel_trigger(((struct cancel_arg *)p)->cancel);
    return NULL;
}

static void test_cancel(void) {
    char src[4200], dst[4200];
    path_of(src, sizeof src, "big.img");
    path_of(dst, sizeof dst, "big-dst.img");
    make_file(src, 16 * 1048576, 1);
    make_file(dst, 16 * 1048576, 0);
    volclone_cancel *c = NULL;
    CHECK(volclone_cancel_new(NULL) == VOLCLONE_STATUS_NULL_POINTER);
    CHECK(volclone_cancel_new(&c) == VOLCLONE_STATUS_OK && c != NULL);
    CHECK(volclone_cancel_trigger(NULL) == VOLCLONE_STATUS_NULL_POINTER);
    volclone_copy_options o;
    volclone_copy_options_init(&o);
    o.rate_limit = 4 * 1048576; /* about 4 s uncancelled */
    o.chunk_size = 262144;
    struct cancel_arg a = {c};
    pthread_t th;
    pthread_create(&th, NULL, cancel_later, &a);
    volclone_status st = volclone_copy(src, dst, &o, NULL, NULL, c, NULL);
    pthread_join(th, NULL);
    CHECK(st == VOLCLONE_STATUS_CANCELLED);
    CHECK(strstr(volclone_last_error(), "cancelled after") != NULL);
    volclone_cancel_free(c);
    volclone_cancel_free(NULL);
}

static void *plan_many(void *arg) {
    int *ok = arg;
    for (int i = 0; i < 50; i++) {
        char *plan = NULL;
        if (volclone_plan_json(seed, &plan) == VOLCLONE_STATUS_OK && plan && strstr(plan, "ZFS_COPY")) (*ok)++;
        volclone_string_free(plan);
        char *none = NULL;
        if (volclone_plan_json("not json", &none) == VOLCLONE_STATUS_INVALID_REQUEST &&
            strstr(volclone_last_error(), "malformed JSON"))
            (*ok)++;
    }
    return NULL;
}

static void test_threads(void) {
    pthread_t th[4];
    int ok[4] = {0};
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, plan_many, &ok[i]);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++) CHECK(ok[i] == 100);
}

/* What an execute's progress callback saw. */
struct exec_seen {
    pthread_mutex_t lock;
    int calls;
    int same_thread;
    pthread_t first;
    int not_caller;
    pthread_t caller;
    char name[32];
    uint64_t last_done, last_total;
};

static void exec_progress(void *user, const volclone_progress *p) {
    struct exec_seen *s = user;
    pthread_mutex_lock(&s->lock);
    pthread_t me = pthread_self();
    if (s->calls == 0) {
        s->first = me;
        pthread_getname_np(me, s->name, sizeof s->name);
    }
    s->same_thread += pthread_equal(me, s->first) != 0;
    s->not_caller += pthread_equal(me, s->caller) == 0;
    s->calls++;
    s->last_done = p->bytes_done;
    s->last_total = p->bytes_total;
    pthread_mutex_unlock(&s->lock);
}

static int log_lines;
static void count_log(void *user, uint32_t level, const char *target, const char *message) {
    (void)user; (void)target;
    if (level <= VOLCLONE_LOG_LEVEL_INFO && strstr(message, "volclone copy")) __atomic_add_fetch(&log_lines, 1, __ATOMIC_SEQ_CST);
}

static void test_execute(void) {
    char src[4200], dst[4200], req[12000];
    path_of(src, sizeof src, "exec src.img");
    path_of(dst, sizeof dst, "exec dst $(touch pwned).img");
    make_file(src, 6 * 1048576, 1);
    unlink(dst);
    snprintf(req, sizeof req,
             "{\"version\": 1, \"source\": {\"provider\": \"FILE\", \"storage_pool\": \"f\", \"volume\": \"%s\", "
             "\"size_bytes\": 6291456, \"exists\": true}, \"target\": {\"provider\": \"FILE_THIN\", \"storage_pool\": \"f\", "
             "\"volume\": \"%s\", \"size_bytes\": 6291456, \"exists\": false}}",
             src, dst);
    CHECK(volclone_set_log_callback(count_log, NULL, VOLCLONE_LOG_LEVEL_INFO) == VOLCLONE_STATUS_OK);
    struct exec_seen seen = {.lock = PTHREAD_MUTEX_INITIALIZER, .caller = pthread_self()};
    char *report = NULL;
    volclone_cancel *c = NULL;
    volclone_cancel_new(&c);
    CHECK(volclone_execute(req, "{\"copy\": {\"workers\": 3, \"verify\": true}}", exec_progress, &seen, c, &report) == VOLCLONE_STATUS_OK);
    CHECK(report && strstr(report, "\"strategy\":\"BLOCK_COPY\"") && strstr(report, "\"bytes\":6291456"));
    volclone_string_free(report);
    CHECK(same_content(src, dst, 6 * 1048576));
    CHECK(seen.calls > 0 && seen.same_thread == seen.calls && seen.not_caller == seen.calls);
    CHECK(strcmp(seen.name, "volclone-report") == 0);
    CHECK(seen.last_done == 6291456 && seen.last_total == 6291456);
    CHECK(__atomic_load_n(&log_lines, __ATOMIC_SEQ_CST) >= 1);
    CHECK(volclone_set_log_callback(NULL, NULL, 0) == VOLCLONE_STATUS_OK);
    char pwned[4200];
    path_of(pwned, sizeof pwned, "pwned");
    CHECK(access(pwned, F_OK) != 0);
    /* A triggered handle stays triggered until reset; freeing it during use is safe. */
    volclone_cancel_trigger(c);
    CHECK(volclone_execute(req, NULL, NULL, NULL, c, NULL) == VOLCLONE_STATUS_CANCELLED);
    CHECK(volclone_cancel_reset(c) == VOLCLONE_STATUS_OK);
    CHECK(volclone_execute(req, NULL, NULL, NULL, c, NULL) == VOLCLONE_STATUS_OK);
    volclone_cancel_free(c);
    /* Bad input: named errors, nothing run. */
    CHECK(volclone_execute(NULL, NULL, NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_NULL_POINTER);
    CHECK(volclone_execute("{\"version\": 1}", NULL, NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_INVALID_REQUEST);
    CHECK(volclone_execute(req, "{\"nope\": 1}", NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(volclone_last_error(), "unknown field `nope`") != NULL);
    /* A huge input gives a bounded message. */
    size_t big = 10u << 20;
    char *huge = malloc(big + 64);
    huge[0] = '/';
    memset(huge + 1, 'x', big);
    huge[big + 1] = '\0';
    CHECK(volclone_copy(huge, huge, NULL, NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_IO);
    CHECK(strlen(volclone_last_error()) <= 4096 && strstr(volclone_last_error(), "bytes cut") != NULL);
    free(huge);
    char *facts = NULL;
    CHECK(volclone_zfs_facts("-tank/x", &facts) == VOLCLONE_STATUS_INVALID_REQUEST && facts == NULL);
    CHECK(strstr(volclone_last_error(), "must start with the pool name") != NULL);
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* Deletes `path` and makes it again, sparse, `size` bytes, trying for the old inode number (ext4
 * hands a freed one out again at once); returns whether it got it. */
static int recreate(const char *path, size_t size) {
    struct stat st;
    stat(path, &st);
    ino_t old = st.st_ino;
    unlink(path);
    int reused = 0;
    char aside[4300];
    int i;
    for (i = 0; i < 32 && !reused; i++) {
        make_file(path, size, 0);
        stat(path, &st);
        reused = st.st_ino == old;
        if (!reused) {
            snprintf(aside, sizeof aside, "%s.aside%d", path, i);
            rename(path, aside);
        }
    }
    if (!reused) make_file(path, size, 0);
    while (i-- > 0) {
        snprintf(aside, sizeof aside, "%s.aside%d", path, i);
        unlink(aside);
    }
    return reused;
}

struct exec_arg { const char *req, *opts; volclone_cancel *cancel; volclone_status st; };
static void *execute_bg(void *p) {
    struct exec_arg *a = p;
    a->st = volclone_execute(a->req, a->opts, NULL, NULL, a->cancel, NULL);
    return NULL;
}

/* Runs `req` with `opts` and cancels it after `ms`. */
static volclone_status cancelled_execute(const char *req, const char *opts, int ms) {
    volclone_cancel *c = NULL;
    volclone_cancel_new(&c);
    struct exec_arg a = {req, opts, c, VOLCLONE_STATUS_OK};
    pthread_t th;
    pthread_create(&th, NULL, execute_bg, &a);
    usleep(ms * 1000);
    volclone_cancel_trigger(c);
    pthread_join(th, NULL);
    volclone_cancel_free(c);
    return a.st;
}

/* The retry through volclone_execute: cancelled, the target deleted and made again under
 * its name, executed again: the copy starts over (never resumes onto the new file), and the rate
 * limit given at the top level bounds the block copy. */
static void test_retry_and_rate(void) {
    char src[4200], dst[4200], cps[4200], req[12000], opts[4400], slow[4400];
    const size_t size = 16 * 1048576;
    path_of(src, sizeof src, "retry src.img");
    path_of(dst, sizeof dst, "retry dst.img");
    path_of(cps, sizeof cps, "checkpoints");
    make_file(src, size, 1);
    make_file(dst, size, 0);
    snprintf(req, sizeof req,
             "{\"version\": 1, \"source\": {\"provider\": \"FILE_THIN\", \"storage_pool\": \"f\", \"volume\": \"%s\", "
             "\"size_bytes\": %zu, \"exists\": true}, \"target\": {\"provider\": \"FILE_THIN\", \"storage_pool\": \"f\", "
             "\"volume\": \"%s\", \"size_bytes\": %zu, \"exists\": true}}",
             src, size, dst, size);
    snprintf(opts, sizeof opts, "{\"copy\": {\"checkpoint_dir\": \"%s\"}}", cps);
    snprintf(slow, sizeof slow, "{\"rate_limit\": 8388608, \"copy\": {\"checkpoint_dir\": \"%s\"}}", cps);
    /* The same objects: the rerun resumes and says so. */
    CHECK(cancelled_execute(req, slow, 1200) == VOLCLONE_STATUS_CANCELLED);
    char *report = NULL;
    CHECK(volclone_execute(req, opts, NULL, NULL, NULL, &report) == VOLCLONE_STATUS_OK);
    CHECK(report && !strstr(report, "\"bytes_resumed\":0,") && strstr(report, "\"resume_refused\":null"));
    volclone_string_free(report);
    CHECK(same_content(src, dst, size));
    /* A target re-created under its name: started over, with the reason. */
    for (int round = 0; round < 2; round++) {
        CHECK(cancelled_execute(req, slow, 1200) == VOLCLONE_STATUS_CANCELLED);
        int reused = recreate(dst, size);
        if (!reused) printf("NOTE: the re-created target got another inode number\n");
        report = NULL;
        CHECK(volclone_execute(req, opts, NULL, NULL, NULL, &report) == VOLCLONE_STATUS_OK);
        CHECK(report && strstr(report, "\"bytes_resumed\":0,") && strstr(report, "set aside"));
        volclone_string_free(report);
        CHECK(same_content(src, dst, size));
    }
    /* rate_limit at the top level holds a block copy back: 16 MiB at 16 MiB/s takes at least
     * 1 s less the limiter's quarter-second burst. */
    double t0 = now_s();
    CHECK(volclone_execute(req, "{\"rate_limit\": 16777216, \"copy\": {\"no_checkpoint\": true}}", NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_OK);
    CHECK(now_s() - t0 >= 0.75);
    /* 0 means unlimited, as in the struct. */
    CHECK(volclone_execute(req, "{\"copy\": {\"rate_limit\": 0}}", NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_OK);
    /* Options of the wrong shape or with a misspelt field are refused, naming it. */
    CHECK(volclone_execute(req, "[]", NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(volclone_last_error(), "an array is not a JSON object") != NULL);
    CHECK(volclone_execute(req, "{\"copy\": []}", NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(volclone_last_error(), "\"copy\" is an array, not an object") != NULL);
    CHECK(volclone_execute(req, "{\"copy\": {\"verfy\": true}}", NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(volclone_last_error(), "unknown field `verfy`") != NULL);
    /* The JSON copy: every option, the whole report. */
    report = NULL;
    CHECK(volclone_copy_json(src, dst, "{\"verify\": true, \"no_checkpoint\": true, \"rate_limit\": 0}", NULL, NULL, NULL, &report) == VOLCLONE_STATUS_OK);
    CHECK(report && strstr(report, "\"matched\":true") && strstr(report, "\"resume_refused\":null"));
    volclone_string_free(report);
    CHECK(volclone_copy_json(src, dst, "{\"verfy\": true}", NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(volclone_last_error(), "unknown field `verfy`") != NULL);
    CHECK(volclone_copy_json(src, NULL, NULL, NULL, NULL, NULL, NULL) == VOLCLONE_STATUS_NULL_POINTER);
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: test_volclone SEED.json SCRATCH_DIR\n"); return 2; }
    seed = slurp(argv[1]);
    if (!seed) { perror(argv[1]); return 2; }
    snprintf(scratch, sizeof scratch, "%s", argv[2]);
    test_version_and_names();
    test_plan();
    test_copy();
    test_cancel();
    test_threads();
    test_execute();
    test_retry_and_rate();
    free(seed);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
