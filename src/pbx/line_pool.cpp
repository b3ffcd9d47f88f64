#include "pbx/line_pool.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

namespace callbackd::pbx {
namespace {

// Compares two textual IP addresses by value, so "::1" equals "0:0:0:0:0:0:0:1".
bool same_ip(const std::string& a, const std::string& b) {
  std::array<unsigned char, 16> x{};
  std::array<unsigned char, 16> y{};
  for (int family : {AF_INET, AF_INET6}) {
    if (inet_pton(family, a.c_str(), x.data()) == 1 && inet_pton(family, b.c_str(), y.data()) == 1) {
      return x == y;
    }
  }
  return a == b;
}

}  // namespace

LinePool::LinePool(std::vector<Line> lines) : lines_(std::move(lines)) {
  for (const auto& l : lines_) in_use_[l.name] = 0;
}

const Line* LinePool::from_source(const std::string& ip, std::uint16_t port, bool tcp) const {
  const Line* by_ip = nullptr;
  int ip_matches = 0;
  for (const auto& l : lines_) {
    if (!same_ip(l.gateway.host, ip)) continue;
    if (l.gateway.port == port) return &l;
    by_ip = &l;
    ++ip_matches;
  }
  return tcp && ip_matches == 1 ? by_ip : nullptr;
}

bool LinePool::is_gateway_host(const std::string& ip) const {
  return std::any_of(lines_.begin(), lines_.end(),
                     [&ip](const Line& l) { return same_ip(l.gateway.host, ip); });
}

const Line* LinePool::find(const std::string& name) const {
  for (const auto& l : lines_) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

bool LinePool::acquire(const std::string& name) {
  const Line* l = find(name);
  if (l == nullptr || in_use_[name] >= l->channels) return false;
  ++in_use_[name];
  return true;
}

void LinePool::release(const std::string& name) {
  auto it = in_use_.find(name);
  if (it != in_use_.end() && it->second > 0) --it->second;
}

void LinePool::replace(std::vector<Line> lines) {
  lines_ = std::move(lines);
  for (const auto& l : lines_) in_use_.try_emplace(l.name, 0);
  std::erase_if(in_use_,
                [this](const auto& entry) { return entry.second == 0 && find(entry.first) == nullptr; });
  std::erase_if(down_, [this](const std::string& name) { return find(name) == nullptr; });
}

bool LinePool::set_up(const std::string& name, bool up) {
  if (find(name) == nullptr) return false;
  return up ? down_.erase(name) > 0 : down_.insert(name).second;
}

int LinePool::in_use(const std::string& name) const {
  auto it = in_use_.find(name);
  return it == in_use_.end() ? 0 : it->second;
}

const Line* LinePool::pick(const std::string& preferred) const {
  return pick(preferred, [](const Line&) { return true; });
}

const Line* LinePool::pick(const std::string& preferred, const std::function<bool(const Line&)>& also) const {
  const auto usable = [this, &also](const Line& l) {
    return up(l.name) && in_use(l.name) < l.channels && also(l);
  };
  if (const Line* l = find(preferred); l != nullptr && usable(*l)) return l;
  for (const auto& l : lines_) {
    if (usable(l)) return &l;
  }
  return nullptr;
}

}  // namespace callbackd::pbx
