#include "sip/sip_message.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_alloc.h>
#include <sofia-sip/url.h>
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>
#include <string_view>

namespace callbackd::sip {
namespace {

// A scratch allocation home for Sofia's parsers, released when it goes out of scope.
class Home {
 public:
  Home() : home_(static_cast<su_home_t*>(su_home_new(sizeof(su_home_t)))) {}
  ~Home() { su_home_unref(home_); }
  Home(const Home&) = delete;
  Home& operator=(const Home&) = delete;
  su_home_t* get() { return home_; }

 private:
  su_home_t* home_;
};

std::string unescaped(const char* s) {
  if (s == nullptr) return {};
  std::string out(std::char_traits<char>::length(s) + 1, '\0');
  url_unescape(out.data(), s);
  out.resize(std::char_traits<char>::length(out.c_str()));  // unescaping only shortens
  return out;
}

// The "user" of a URI: the user part of sip:/sips:, the number of tel:.
std::string uri_user(const url_t* url) {
  if (url == nullptr) return {};
  // Sofia keeps a tel: number in url_user; older parsers put it in url_host.
  if (url->url_user == nullptr && url->url_type == url_tel) return unescaped(url->url_host);
  return unescaped(url->url_user);
}

// A display name as the caller meant it: "\"Anonymous\"" becomes Anonymous (RFC 3261 quoted-string).
std::string display_text(const char* display) {
  std::string_view d(display);
  if (d.size() < 2 || d.front() != '"' || d.back() != '"') return std::string(d);
  std::string out;
  for (std::size_t i = 1; i + 1 < d.size(); ++i) {
    if (d[i] == '\\' && i + 2 < d.size()) ++i;
    out += d[i];
  }
  return out;
}

std::string uri_string(const url_t* url) {
  if (url == nullptr) return {};
  Home home;
  char* s = url_as_string(home.get(), url);
  return s != nullptr ? std::string(s) : std::string();
}

std::string asserted_identity_user(sip_t const* sip) {
  for (const sip_unknown_t* u = sip->sip_unknown; u != nullptr; u = u->un_next) {
    if (u->un_name == nullptr || strcasecmp(u->un_name, "P-Asserted-Identity") != 0 ||
        u->un_value == nullptr) {
      continue;
    }
    // Parse the first identity (a header may list a sip: and a tel: one, separated by a comma).
    Home home;
    std::string_view value(u->un_value);
    std::string first(
        value.substr(0, value.find(">,") == std::string_view::npos ? value.size() : value.find(">,") + 1));
    if (const sip_from_t* id = sip_from_make(home.get(), first.c_str()); id != nullptr) {
      return uri_user(id->a_url);
    }
  }
  return {};
}

bool privacy_requested(sip_t const* sip) {
  if (sip->sip_privacy == nullptr || sip->sip_privacy->priv_values == nullptr) return false;
  for (const msg_param_t* v = sip->sip_privacy->priv_values; *v != nullptr; ++v) {
    if (strcasecmp(*v, "id") == 0 || strcasecmp(*v, "user") == 0 || strcasecmp(*v, "header") == 0)
      return true;
  }
  return false;
}

template <typename Info>
void read_source(msg_t* request, Info& info) {
  su_addrinfo_t* ai = request != nullptr ? msg_addrinfo(request) : nullptr;
  if (ai == nullptr || ai->ai_addr == nullptr) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (ai->ai_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
    inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text);
    info.source_port = ntohs(sin->sin_port);
  } else if (ai->ai_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
    inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text);
    info.source_port = ntohs(sin6->sin6_port);
  }
  info.source_ip = text;
  info.transport = ai->ai_protocol == IPPROTO_UDP   ? Transport::Udp
                   : ai->ai_protocol == IPPROTO_TCP ? Transport::Tcp
                                                    : Transport::Other;
}

std::optional<int> to_seconds(const char* text) {
  if (text == nullptr) return std::nullopt;
  std::string_view t(text);
  int value = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (ec != std::errc{} || end != t.data() + t.size() || value < 0) return std::nullopt;
  return value;
}

// "Digest a=b, c=d" from Sofia's parsed parameters (sip_header_as_string() drops the last one).
std::string auth_value(const msg_auth_t* a) {
  if (a == nullptr || a->au_scheme == nullptr) return {};
  std::string out = a->au_scheme;
  const char* sep = " ";
  for (const msg_param_t* p = a->au_params; p != nullptr && *p != nullptr; ++p) {
    out.append(sep).append(*p);
    sep = ", ";
  }
  return out;
}

}  // namespace

RegisterRequest register_request(sip_t const* sip, msg_t* request) {
  RegisterRequest r;
  if (sip == nullptr) return r;
  if (sip->sip_request != nullptr) r.request_uri = uri_string(sip->sip_request->rq_url);
  if (sip->sip_to != nullptr) r.to_user = uri_user(sip->sip_to->a_url);
  r.authorization = auth_value(sip->sip_authorization);
  for (const sip_contact_t* m = sip->sip_contact; m != nullptr; m = m->m_next) {
    if (m->m_url->url_type == url_any) {
      r.wildcard = true;
      continue;
    }
    r.contacts.push_back({uri_string(m->m_url), to_seconds(m->m_expires)});
  }
  if (sip->sip_expires != nullptr)
    r.expires = static_cast<int>(std::min<unsigned long>(sip->sip_expires->ex_delta, 1U << 30U));
  read_source(request, r);
  return r;
}

InviteInfo invite_info(sip_t const* sip, msg_t* request) {
  InviteInfo info;
  if (sip == nullptr) return info;
  if (sip->sip_call_id != nullptr && sip->sip_call_id->i_id != nullptr) info.call_id = sip->sip_call_id->i_id;
  if (sip->sip_request != nullptr) {
    info.request_user = uri_user(sip->sip_request->rq_url);
    info.request_uri = uri_string(sip->sip_request->rq_url);
  }
  info.proxy_authorization = auth_value(sip->sip_proxy_authorization);
  if (sip->sip_from != nullptr) {
    info.from_user = uri_user(sip->sip_from->a_url);
    info.from_uri = uri_string(sip->sip_from->a_url);
    if (sip->sip_from->a_display != nullptr) info.from_display = display_text(sip->sip_from->a_display);
  }
  info.asserted_user = asserted_identity_user(sip);
  info.privacy_id = privacy_requested(sip);
  info.sdp = payload_of(sip);
  read_source(request, info);
  return info;
}

std::string source_ip(msg_t* request) {
  RegisterRequest where;
  read_source(request, where);
  return where.source_ip;
}

std::string payload_of(sip_t const* sip) {
  if (sip == nullptr || sip->sip_payload == nullptr || sip->sip_payload->pl_data == nullptr) return {};
  return std::string(sip->sip_payload->pl_data, sip->sip_payload->pl_len);
}

char dtmf_from_info(sip_t const* sip) {
  if (sip == nullptr || sip->sip_content_type == nullptr || sip->sip_content_type->c_type == nullptr ||
      strcasecmp(sip->sip_content_type->c_type, "application/dtmf-relay") != 0) {
    return 0;
  }
  std::string body = payload_of(sip);
  auto at = body.find("Signal=");
  if (at == std::string::npos) return 0;
  for (std::size_t i = at + 7; i < body.size(); ++i) {
    const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(body[i])));
    if (c == ' ' || c == '\t') continue;
    if ((c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D')) return c;
    return 0;
  }
  return 0;
}

}  // namespace callbackd::sip
