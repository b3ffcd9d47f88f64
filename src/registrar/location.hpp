#pragma once
// The location service (RFC 3261 10.3): which contacts each extension has registered, each with its own
// expiry on the call-control loop's clock. In memory only: phones re-register within their expiry, and a
// restart invalidates the nonces anyway. Used on the loop thread only.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "callback/job_scheduler.hpp"  // ClockSource

namespace callbackd::registrar {

struct Contact {
  std::string uri;        // the Contact URI as the phone registered it
  std::string target;     // where to send an INVITE: the contact's user at the address the REGISTER came from
  std::string source_ip;  // that address, as the socket saw it
  std::uint16_t source_port = 0;
  bool tcp = false;
  int expires_s = 0;  // seconds left, at the time of the query
};

struct BindingUpdate {
  std::string uri;
  std::string source_ip;
  std::uint16_t source_port = 0;
  bool tcp = false;
  int expires_s = 0;  // 0 removes the binding
};

class LocationService {
 public:
  // Bounds what one extension can make us keep (RFC 3261 leaves it to the registrar).
  static constexpr std::size_t kMaxContacts = 10;

  explicit LocationService(const callback::ClockSource& clock) : clock_(clock) {}

  // Adds, refreshes (same URI) or removes (expires 0) a binding. False when it would exceed kMaxContacts.
  bool update(const std::string& extension, const BindingUpdate& b);
  void remove_all(const std::string& extension);

  // The live contacts of an extension, oldest registration first; empty when it is not registered.
  std::vector<Contact> contacts(const std::string& extension) const;
  bool registered(const std::string& extension) const { return !contacts(extension).empty(); }
  // Whether a live binding was registered from this address (the SIP throttle trusts it).
  bool has_source(const std::string& ip) const;
  // Whether the extension has a live binding registered from this address.
  bool bound_from(const std::string& extension, const std::string& ip) const;
  // Every registered extension with its contacts (for the API).
  std::map<std::string, std::vector<Contact>> all() const;

 private:
  struct Binding {
    BindingUpdate where;
    callback::TimePoint expires_at;
  };
  void purge(const std::string& extension);
  std::vector<Contact> live(const std::vector<Binding>& bindings) const;

  const callback::ClockSource& clock_;
  std::map<std::string, std::vector<Binding>> bindings_;
};

// sip:<user of contact_uri>@<ip>:<port>[;transport=tcp]; IPv6 in brackets. The user is dropped when the URI
// does not parse (an INVITE to the address still reaches the phone).
std::string contact_target(const std::string& contact_uri, const std::string& ip, std::uint16_t port,
                           bool tcp);

}  // namespace callbackd::registrar
