/* net/backend_issabel_members: the /pbxapi/manager queries of queue member changes (percent-
 * encoded values, ids split at their last '@'), what Issabel's manager API cannot do, the
 * answers (fixtures and AMI's own words) and the member schema. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/backend.h"
#include "net/backend_issabel.h"
#include "net/schema.h"
#include "tests/unit/testutil.h"

#define MAXV 8

/* A change built from "name=value" strings ("name" alone: a NULL value). */
struct tchange {
    struct change c;
    const char *names[MAXV];
    const char *values[MAXV];
    char buf[MAXV][128];
};

static struct change *mk(struct tchange *t, enum change_op op, const char *id, ...)
{
    memset(t, 0, sizeof *t);
    va_list ap;
    va_start(ap, id);
    int n = 0;
    for (const char *kv; n < MAXV && (kv = va_arg(ap, const char *)); n++) {
        (void)snprintf(t->buf[n], sizeof t->buf[n], "%s", kv);
        char *eq = strchr(t->buf[n], '=');
        if (eq)
            *eq = '\0';
        t->names[n] = t->buf[n];
        t->values[n] = eq ? eq + 1 : NULL;
    }
    va_end(ap);
    t->c = (struct change){.op = op,
                           .kind = KIND_QUEUEMEMBERS,
                           .id = id,
                           .nvalues = n,
                           .names = t->names,
                           .values = t->values};
    return &t->c;
}

/* The path for c, which must be `want` with action `act`. */
static void expect_path(const struct change *c, const char *now, const char *act, const char *want)
{
    const char *action = NULL, *why = NULL;
    char *path = issabel_member_path(c, now, &action, &why);
    if (!path || strcmp(path, want) != 0 || strcmp(action, act) != 0)
        fail_msg("got %s %s (%s), want %s %s", action ? action : "-", path ? path : "NULL",
                 why ? why : "", act, want);
    assert_null(why);
    free(path);
}

/* c cannot be made; the reason holds needle. */
static void expect_refusal(const struct change *c, const char *now, const char *needle)
{
    const char *action = NULL, *why = NULL;
    char *path = issabel_member_path(c, now, &action, &why);
    if (path || !why || !strstr(why, needle))
        fail_msg("got %s (%s), want a refusal with '%s'", path ? path : "NULL", why ? why : "",
                 needle);
    free(path);
}

static void test_member_ids(void **state)
{
    (void)state;
    assert_true(issabel_valid_member_id("PJSIP/201@400"));
    assert_true(issabel_valid_member_id("Local/201@from-queue/n@400"));
    assert_true(issabel_valid_member_id("IAX2/trunk-a@support"));
    static const char *const bad[] = {
        "",
        "PJSIP/201",
        "PJSIP/201@",
        "@400",
        "201@400",
        "/201@400",
        "PJSIP/@400",
        "PJSIP/2 01@400",
        "PJSIP/201@4 0",
        "PJSIP/201@40\n0",
        "PJSIP/\x7f@400",
        "PJSIP/20\xc3\xa9@400",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (issabel_valid_member_id(bad[i]))
            fail_msg("'%s' taken as a member id", bad[i]);
    }
    assert_false(issabel_valid_member_id(NULL));
}

static void test_add_paths(void **state)
{
    (void)state;
    struct tchange t;
    expect_path(mk(&t, OP_CREATE, NULL, "queue=400", "interface=PJSIP/230", NULL), NULL, "queueadd",
                "/manager/queueadd?queue=400&interface=PJSIP%2F230");
    expect_path(mk(&t, OP_CREATE, NULL, "queue=400", "interface=Local/230@from-queue/n",
                   "penalty=3", "paused=true", "name=Zo\xc3\xab & Co", NULL),
                NULL, "queueadd",
                "/manager/queueadd?queue=400&interface=Local%2F230%40from-queue%2Fn&penalty=3"
                "&paused=1&membername=Zo%C3%AB%20%26%20Co");
    expect_path(mk(&t, OP_CREATE, NULL, "interface=SIP/7", "queue=q&x=1", "paused=false", NULL),
                NULL, "queueadd", "/manager/queueadd?queue=q%26x%3D1&interface=SIP%2F7&paused=0");
    /* queueadd takes no reason: that comes in a second call */
    mk(&t, OP_CREATE, NULL, "queue=400", "interface=PJSIP/230", "paused=true",
       "paused_reason=coffee break", NULL);
    expect_path(&t.c, NULL, "queueadd",
                "/manager/queueadd?queue=400&interface=PJSIP%2F230&paused=1");
    char *then = issabel_member_reason_path(&t.c);
    assert_non_null(then);
    assert_string_equal(
        then, "/manager/queuepause?queue=400&interface=PJSIP%2F230&reason=coffee%20break");
    free(then);
    assert_null(issabel_member_reason_path(
        mk(&t, OP_CREATE, NULL, "queue=400", "interface=PJSIP/230", "paused=true", NULL)));
    assert_null(
        issabel_member_reason_path(mk(&t, OP_CREATE, NULL, "queue=400", "interface=PJSIP/230",
                                      "paused=true", "paused_reason=", NULL)));
    expect_refusal(
        mk(&t, OP_CREATE, NULL, "queue=400", "interface=PJSIP/230", "paused_reason=lunch", NULL),
        NULL, "paused=true");
    expect_refusal(mk(&t, OP_CREATE, NULL, "queue=400", NULL), NULL, "interface");
}

static void test_remove_and_pause_paths(void **state)
{
    (void)state;
    struct tchange t;
    const char *id = "Local/202@from-queue/n@400";
    const char *q = "?queue=400&interface=Local%2F202%40from-queue%2Fn";
    char want[256];
    (void)snprintf(want, sizeof want, "/manager/queueremove%s", q);
    expect_path(mk(&t, OP_DELETE, id, NULL), NULL, "queueremove", want);
    (void)snprintf(want, sizeof want, "/manager/queuepause%s&reason=coffee%%20break", q);
    expect_path(mk(&t, OP_UPDATE, id, "paused=true", "paused_reason=coffee break", NULL), "false",
                "queuepause", want);
    (void)snprintf(want, sizeof want, "/manager/queuepause%s", q);
    expect_path(mk(&t, OP_UPDATE, id, "paused=true", NULL), NULL, "queuepause", want);
    /* an empty reason is none: Asterisk then clears the old one */
    expect_path(mk(&t, OP_UPDATE, id, "paused=true", "paused_reason=", NULL), "true", "queuepause",
                want);
    (void)snprintf(want, sizeof want, "/manager/queueunpause%s", q);
    expect_path(mk(&t, OP_UPDATE, id, "paused=false", NULL), "true", "queueunpause", want);
    /* only a reason: the member keeps its pause state, known from the last poll */
    (void)snprintf(want, sizeof want, "/manager/queuepause%s&reason=lunch", q);
    expect_path(mk(&t, OP_UPDATE, id, "paused_reason=lunch", NULL), "true", "queuepause", want);
    expect_refusal(mk(&t, OP_UPDATE, id, "paused_reason=lunch", NULL), "false", "paused=true");
    expect_refusal(mk(&t, OP_UPDATE, id, "paused_reason=lunch", NULL), NULL, "unknown");
    expect_refusal(mk(&t, OP_UPDATE, id, "paused=false", "paused_reason=lunch", NULL), "true",
                   "paused=true");
    expect_refusal(mk(&t, OP_UPDATE, id, "penalty=4", NULL), "false", "penalty");
    expect_refusal(mk(&t, OP_DELETE, "PJSIP/201", NULL), NULL, "interface@queue");
}

static void expect_answer(const char *action, long status, const char *body, enum act_outcome want,
                          const char *needle)
{
    char *msg = NULL;
    enum act_outcome o = issabel_map_member_answer(action, status, body, strlen(body), &msg);
    assert_non_null(msg);
    if (o != want || (needle && !strstr(msg, needle)))
        fail_msg("%s %ld %s: %s '%s', want %s '%s'", action, status, body, act_outcome_name(o), msg,
                 act_outcome_name(want), needle ? needle : "");
    free(msg);
}

static void test_fixture_answers(void **state)
{
    (void)state;
    size_t len;
    char *body = test_fixture("issabel", "manager_queuepause_ok.json", &len);
    expect_answer("queuepause", 200, body, ACT_OK, "paused");
    free(body);
    body = test_fixture("issabel", "manager_ami_unreachable.json", &len);
    expect_answer("queueadd", 200, body, ACT_FAILED, "Could not connect to AMI");
    expect_answer("queueremove", 200, body, ACT_FAILED, "Could not connect to AMI");
    expect_answer("queuepause", 200, body, ACT_FAILED, "Could not connect to AMI");
    free(body);
}

#define ERR(m) "{\"status\":\"error\", \"message\":\"" m "\"}"

static void test_ami_words(void **state)
{
    (void)state;
    expect_answer("queueadd", 200, "{\"status\":\"ok\", \"message\":\"Added interface to queue\"}",
                  ACT_OK, "added");
    expect_answer("queueremove", 200, "{\"status\":\"ok\",\"message\":\"Removed\"}", ACT_OK,
                  "removed");
    expect_answer("queueunpause", 200, "{\"status\":\"ok\"}", ACT_OK, "unpaused");
    expect_answer("queueremove", 200, ERR("Unable to remove interface: Not there"), ACT_GONE,
                  "Not there");
    expect_answer("queueremove", 200, ERR("Unable to remove interface from queue: No such queue"),
                  ACT_GONE, "gone");
    expect_answer("queuepause", 200, ERR("Interface not found"), ACT_GONE, "gone");
    expect_answer("queueunpause", 200, ERR("Interface not found"), ACT_GONE, "gone");
    expect_answer("queueremove", 200, ERR("Unable to remove interface: Not dynamic"), ACT_FAILED,
                  "static member");
    expect_answer("queueadd", 200, ERR("Unable to add interface: Already there"), ACT_FAILED,
                  "Already there");
    /* adding to a queue that does not exist is a failure, not "already gone" */
    expect_answer("queueadd", 200, ERR("Unable to add interface to queue: No such queue"),
                  ACT_FAILED, "No such queue");
    expect_answer("queueadd", 200, "{\"status\":\"error\"}", ACT_FAILED, "no reason given");
    expect_answer("queueadd", 500, "<html>trace</html>", ACT_FAILED, "HTTP 500");
    expect_answer("queuepause", 200, "", ACT_FAILED, "unreadable");
    expect_answer("queuepause", 200, "[]", ACT_FAILED, "unreadable");
    /* the AMI message goes into the JSON unescaped: read such answers by their words */
    expect_answer("queuepause", 200, "{\"status\":\"ok\", \"message\":\"Interface \"x\" paused\"}",
                  ACT_OK, "paused");
    expect_answer("queueremove", 200, ERR("Unable to remove \"x\": Not there"), ACT_GONE, NULL);
    expect_answer("queueadd", 200, ERR("bad \"z\""), ACT_FAILED, "unreadable");
}

static char *check(struct tchange *t)
{
    return schema_check_change(&issabel_member_schema, &t->c);
}

static void expect_schema(struct tchange *t, const char *needle)
{
    char *why = check(t);
    if (needle ? !why || !strstr(why, needle) : why != NULL)
        fail_msg("schema said '%s', want '%s'", why ? why : "(ok)", needle ? needle : "(ok)");
    free(why);
}

static void test_schema(void **state)
{
    (void)state;
    struct tchange t;
    const char *id = "PJSIP/201@400";
    mk(&t, OP_CREATE, NULL, "queue=400", "interface=IAX2/trunk", "penalty=2", "paused=true",
       "name=Trunk", "paused_reason=lunch", NULL);
    expect_schema(&t, NULL);
    mk(&t, OP_UPDATE, id, "paused=false", "paused_reason=", NULL);
    expect_schema(&t, NULL);
    mk(&t, OP_DELETE, id, NULL);
    expect_schema(&t, NULL);
    /* Issabel's manager API cannot change a penalty or a name */
    mk(&t, OP_UPDATE, id, "penalty=5", NULL);
    expect_schema(&t, "penalty: can only be set when the record is created");
    mk(&t, OP_UPDATE, id, "name=Bob", NULL);
    expect_schema(&t, "name");
    mk(&t, OP_CREATE, NULL, "queue=400", "interface=PJSIP/201", "penalty=-1", NULL);
    expect_schema(&t, "penalty");
    mk(&t, OP_CREATE, NULL, "queue=400", NULL);
    expect_schema(&t, "interface");
    mk(&t, OP_CREATE, NULL, "queue=4@00", "interface=PJSIP/201", NULL);
    expect_schema(&t, "queue");
    mk(&t, OP_CREATE, NULL, "queue=400", "interface=201", NULL);
    expect_schema(&t, "interface");
    mk(&t, OP_CREATE, NULL, "queue=400", "interface=PJSIP/2 01", NULL);
    expect_schema(&t, "interface");
    mk(&t, OP_UPDATE, id, "paused=maybe", NULL);
    expect_schema(&t, "paused");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_member_ids),
        cmocka_unit_test(test_add_paths),
        cmocka_unit_test(test_remove_and_pause_paths),
        cmocka_unit_test(test_fixture_answers),
        cmocka_unit_test(test_ami_words),
        cmocka_unit_test(test_schema),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
