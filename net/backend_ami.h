/* Raw AMI event arrays, as SARK's /api/astamis and Issabel's /pbxapi/manager pass them on:
 * JSON arrays of objects with AMI-cased keys and every value a string. Header elements
 * ({"Response": ...}) and other events are skipped. */
#ifndef PBXTOP_NET_BACKEND_AMI_H
#define PBXTOP_NET_BACKEND_AMI_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "net/model.h"

/* Channels from CoreShowChannel or Status events (both are accepted); the id is the channel
 * name, which is what AMI's Hangup takes. Start times from Duration or Seconds. */
struct snapshot *ami_decode_channels(const cJSON *events, int64_t now_ms, bool keep_raw);
/* Queue members from QueueMember events; ids from ami_member_id(). */
struct snapshot *ami_decode_queuemembers(const cJSON *events, bool keep_raw);
/* Queues from QueueParams events. */
struct snapshot *ami_decode_queues(const cJSON *events, bool keep_raw);
/* Callers waiting in a queue from QueueEntry events; the id is the caller's Uniqueid (else
 * its channel), the start time comes from Wait (seconds at the time of the answer). */
struct snapshot *ami_decode_queuecallers(const cJSON *events, int64_t now_ms, bool keep_raw);
/* The text of an AST_DEVICE_* state number ("Not in use", "In use", ...), or NULL. */
const char *ami_device_state_name(long long state);
/* "interface@queue": the member id that pause and remove actions take apart again. Owned. */
char *ami_member_id(const char *interface, const char *queue);
/* Split an id made by ami_member_id() at its last '@'; false when it has none. */
bool ami_member_id_split(const char *id, char **interface, char **queue);

#endif
