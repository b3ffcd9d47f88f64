#pragma once
// Reading what the pbx needs out of Sofia's parsed messages. URIs are taken apart by Sofia's own parser.
#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>

#include <string>

#include "sip/sip_stack.hpp"

namespace callbackd::sip {

InviteInfo invite_info(sip_t const* sip, msg_t* request);
RegisterRequest register_request(sip_t const* sip, msg_t* request);
std::string payload_of(sip_t const* sip);
std::string source_ip(msg_t* request);  // the address the request came from, as the socket saw it
char dtmf_from_info(sip_t const* sip);  // 0 when the INFO carries no dtmf-relay digit

}  // namespace callbackd::sip
