#include "registrar/location.hpp"

#include <algorithm>

#include "callback/sip_uri.hpp"

namespace callbackd::registrar {

bool LocationService::update(const std::string& extension, const BindingUpdate& b) {
  purge(extension);
  auto& list = bindings_[extension];
  auto it = std::find_if(list.begin(), list.end(), [&](const Binding& x) { return x.where.uri == b.uri; });
  if (b.expires_s <= 0) {
    if (it != list.end()) list.erase(it);
  } else if (it != list.end()) {
    *it = Binding{b, clock_.now() + std::chrono::seconds(b.expires_s)};
  } else if (list.size() >= kMaxContacts) {
    return false;
  } else {
    list.push_back(Binding{b, clock_.now() + std::chrono::seconds(b.expires_s)});
  }
  if (list.empty()) bindings_.erase(extension);
  return true;
}

void LocationService::remove_all(const std::string& extension) {
  bindings_.erase(extension);
}

void LocationService::purge(const std::string& extension) {
  auto found = bindings_.find(extension);
  if (found == bindings_.end()) return;
  const auto now = clock_.now();
  std::erase_if(found->second, [now](const Binding& b) { return b.expires_at <= now; });
  if (found->second.empty()) bindings_.erase(found);
}

std::vector<Contact> LocationService::live(const std::vector<Binding>& bindings) const {
  const auto now = clock_.now();
  std::vector<Contact> out;
  for (const Binding& b : bindings) {
    if (b.expires_at <= now) continue;
    // Rounded up: a binding with 0.4 s left is still there, and says so.
    const auto left = std::chrono::ceil<std::chrono::seconds>(b.expires_at - now).count();
    out.push_back(Contact{b.where.uri,
                          contact_target(b.where.uri, b.where.source_ip, b.where.source_port, b.where.tcp),
                          b.where.source_ip, b.where.source_port, b.where.tcp, static_cast<int>(left)});
  }
  return out;
}

std::vector<Contact> LocationService::contacts(const std::string& extension) const {
  auto found = bindings_.find(extension);
  return found == bindings_.end() ? std::vector<Contact>{} : live(found->second);
}

bool LocationService::has_source(const std::string& ip) const {
  const auto now = clock_.now();
  for (const auto& [extension, list] : bindings_) {
    for (const Binding& b : list) {
      if (b.expires_at > now && b.where.source_ip == ip) return true;
    }
  }
  return false;
}

bool LocationService::bound_from(const std::string& extension, const std::string& ip) const {
  const auto it = bindings_.find(extension);
  if (it == bindings_.end()) return false;
  const auto now = clock_.now();
  return std::any_of(it->second.begin(), it->second.end(),
                     [&](const Binding& b) { return b.expires_at > now && b.where.source_ip == ip; });
}

std::map<std::string, std::vector<Contact>> LocationService::all() const {
  std::map<std::string, std::vector<Contact>> out;
  for (const auto& [extension, list] : bindings_) {
    auto contacts = live(list);
    if (!contacts.empty()) out.emplace(extension, std::move(contacts));
  }
  return out;
}

std::string contact_target(const std::string& contact_uri, const std::string& ip, std::uint16_t port,
                           bool tcp) {
  std::string out = "sip:";
  if (auto parsed = callback::parse_sip_uri(contact_uri).uri; parsed && !parsed->user.empty()) {
    out.append(parsed->user).append("@");
  }
  const bool v6 = ip.find(':') != std::string::npos;
  out.append(v6 ? "[" + ip + "]" : ip).append(":").append(std::to_string(port));
  if (tcp) out.append(";transport=tcp");
  return out;
}

}  // namespace callbackd::registrar
