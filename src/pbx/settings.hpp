#pragma once
// What the pbx layer is configured with. app/config.hpp reads these from TOML; they live here so that the pbx
// layer does not depend on the application layer above it.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "callback/toll_policy.hpp"
#include "ivr/menu.hpp"

namespace callbackd::pbx {

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
  std::string str() const;  // "host:port", IPv6 hosts in brackets
};

enum class InboundRoute { AutoAttendant, Reject, Extension };
enum class LineTransport { Udp, Tcp };

struct Line {
  std::string name;
  HostPort gateway;
  LineTransport transport = LineTransport::Udp;  // how callbacks reach the gateway
  std::string number;
  int channels = 1;
  InboundRoute inbound = InboundRoute::AutoAttendant;
  std::string inbound_extension;  // for InboundRoute::Extension
  int answer_delay_s = 8;
  std::string country;  // ISO 3166 alpha-2 the line dials in (toll-fraud policy); empty: [policy] country
  // How its callers' numbers are read and sent (callback::LineDialing): outside-line prefixes to strip,
  // whether NANP carrier access codes may be dialled, and the form the gateway is sent.
  std::vector<std::string> strip_prefixes;
  bool allow_carrier_codes = false;
  callback::DialFormat dial_format = callback::DialFormat::E164;
  bool allow_international = false;  // numbers abroad through this line only ([policy] allow_international)
  int max_relay_calls = 0;           // relayed calls at once on this line; 0: as many as it has channels
};

// The toll-fraud policy's view of a line.
callback::LineDialing dialing_of(const Line& line);

struct CallbackSettings {
  int trigger_window_s = 10;
  int default_delay_s = 3;
  int ring_timeout_s = 30;         // how long a callback rings before it counts as no answer
  int max_attempts = 1;            // dial attempts per job; busy, no answer and failures are retried
  int retry_delay_s = 60;          // busy and no answer: wait this long; network and 5xx: the first wait
  int min_interval_s = 60;         // a second trigger from the same caller within this makes no new job
  int max_call_duration_s = 3600;  // an answered call is hung up after this
  int line_wait_s = 300;           // a PSTN callback due while every line is busy waits this long for one
  int retry_backoff_max_s = 3600;  // network and 5xx failures wait twice as long each time, up to this
  int crash_settle_s = 240;  // after a crash, a job found dialing waits this long before its next attempt
  // Toll-fraud caps: jobs created per trusted caller number in the last hour / day (0: no cap), and callbacks
  // dialing at once (more wait, pending, for one to end).
  int max_per_hour = 10;
  int max_per_day = 50;
  int max_concurrent = 10;
};

// The Auto Attendant: its menu and the phone login's lockout. Timeouts are in the menu (ivr::Menu).
struct AttendantSettings {
  std::shared_ptr<const ivr::Menu> menu = std::make_shared<const ivr::Menu>(ivr::default_menu());
  int lockout_failures = 5;        // failed logins in a row that lock the caller number and the extension
  int lockout_s = 300;             // how long a lockout lasts
  std::string operator_extension;  // '0' in the main menu; empty: no operator
  std::string number = "0";        // what a registered phone dials to reach the attendant
};

struct PbxSettings {
  HostPort sip_listen;           // for our own From/Contact URIs
  std::string sip_realm;         // the digest realm extension passwords are hashed for (the phone login)
  std::size_t max_calls = 1000;  // legs at once; a new call beyond gets 503 (pbx/overload.hpp)
  int line_reserve = 2;          // channels per line that a call may still take past the guard
  std::string language = "en";
  CallbackSettings callback;
  AttendantSettings attendant;
  std::vector<Line> lines;
  callback::PolicySettings policy;  // [policy]: the toll-fraud rules every outgoing INVITE passes
};

// The policy for these lines: their gateways (a sip: URI to one is a PSTN call) with their countries.
callback::TollPolicy make_toll_policy(const callback::PolicySettings& policy, const std::vector<Line>& lines);

}  // namespace callbackd::pbx
