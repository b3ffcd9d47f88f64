#include "media/sdp.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>

namespace callbackd::media {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

template <typename T>
std::optional<T> to_number(std::string_view s) {
  T value{};
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

// Encodings of the static payload types (RFC 3551) a peer may list without an a=rtpmap.
std::string static_encoding(int pt) {
  switch (pt) {
    case 0:
      return "PCMU";
    case 3:
      return "GSM";
    case 4:
      return "G723";
    case 8:
      return "PCMA";
    case 9:
      return "G722";
    case 13:
      return "CN";
    case 18:
      return "G729";
    default:
      return {};
  }
}

// "c=IN IP4 192.0.2.1/127" -> "192.0.2.1"
std::optional<std::string> parse_connection(std::string_view value) {
  auto parts = split_ws(value);
  if (parts.size() < 3 || parts[0] != "IN") return std::nullopt;
  auto addr = parts[2];
  if (auto slash = addr.find('/'); slash != std::string_view::npos) addr = addr.substr(0, slash);
  return std::string(addr);
}

struct Rtpmap {
  std::string encoding;
  int clock_rate = 8000;
};

// "101 telephone-event/8000" -> {101, {"TELEPHONE-EVENT", 8000}}
std::optional<std::pair<int, Rtpmap>> parse_rtpmap(std::string_view value) {
  auto parts = split_ws(value);
  if (parts.size() < 2) return std::nullopt;
  auto pt = to_number<int>(parts[0]);
  if (!pt) return std::nullopt;
  auto enc = parts[1];
  Rtpmap map;
  auto slash = enc.find('/');
  map.encoding = upper(enc.substr(0, slash));
  if (slash != std::string_view::npos) {
    auto rate_str = enc.substr(slash + 1);
    rate_str = rate_str.substr(0, rate_str.find('/'));  // drop the channel count
    auto rate = to_number<int>(rate_str);
    if (!rate) return std::nullopt;
    map.clock_rate = *rate;
  }
  return std::make_pair(*pt, map);
}

std::optional<AudioDescription::Direction> parse_direction(std::string_view attr) {
  using D = AudioDescription::Direction;
  if (attr == "sendrecv") return D::SendRecv;
  if (attr == "sendonly") return D::SendOnly;
  if (attr == "recvonly") return D::RecvOnly;
  if (attr == "inactive") return D::Inactive;
  return std::nullopt;
}

// Collects the lines of the session part and of the first audio media section.
struct SdpScan {
  std::optional<std::string> session_address;
  std::optional<std::string> media_address;
  std::optional<AudioDescription::Direction> session_direction;
  std::optional<AudioDescription::Direction> media_direction;
  bool seen_media = false;  // past the session part
  bool have_audio = false;
  bool in_audio = false;
  bool bad_audio = false;
  std::uint16_t port = 0;
  std::vector<int> pts;
  std::vector<std::pair<int, Rtpmap>> rtpmaps;

  void media_line(std::string_view value) {
    in_audio = false;
    seen_media = true;
    auto parts = split_ws(value);
    if (have_audio || parts.size() < 4 || parts[0] != "audio") return;
    have_audio = in_audio = true;
    auto port_str = parts[1].substr(0, parts[1].find('/'));
    auto p = to_number<std::uint16_t>(port_str);
    if (!p) bad_audio = true;
    port = p.value_or(0);
    for (std::size_t i = 3; i < parts.size(); ++i) {
      auto pt = to_number<int>(parts[i]);
      if (!pt || *pt < 0 || *pt > 127) {
        bad_audio = true;
        continue;
      }
      pts.push_back(*pt);
    }
  }

  void attribute_line(std::string_view value, bool at_session_level) {
    auto colon = value.find(':');
    auto name = value.substr(0, colon);
    if (auto dir = parse_direction(name)) {
      (at_session_level ? session_direction : media_direction) = dir;
    } else if (name == "rtpmap" && !at_session_level && colon != std::string_view::npos) {
      if (auto map = parse_rtpmap(value.substr(colon + 1))) rtpmaps.push_back(*map);
    }
  }

  void line(char type, std::string_view value) {
    const bool session_level = !seen_media;
    if (type == 'm') {
      media_line(value);
    } else if (type == 'c') {
      if (session_level) {
        session_address = parse_connection(value);
      } else if (in_audio) {
        media_address = parse_connection(value);
      }
    } else if (type == 'a' && (session_level || in_audio)) {
      attribute_line(value, session_level);
    }
  }
};

}  // namespace

std::optional<AudioDescription> parse_sdp(std::string_view sdp) {
  SdpScan scan;
  while (!sdp.empty()) {
    auto nl = sdp.find('\n');
    auto line = sdp.substr(0, nl);
    sdp = nl == std::string_view::npos ? std::string_view{} : sdp.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() < 2 || line[1] != '=') continue;
    scan.line(line[0], line.substr(2));
  }
  if (!scan.have_audio || scan.bad_audio) return std::nullopt;
  AudioDescription desc;
  auto address = scan.media_address ? scan.media_address : scan.session_address;
  if (!address || address->empty()) return std::nullopt;
  desc.address = *address;
  desc.port = scan.port;
  desc.direction = scan.media_direction.value_or(scan.session_direction.value_or(desc.direction));
  for (int pt : scan.pts) {
    PayloadFormat format{pt, static_encoding(pt), 8000};
    auto it =
        std::find_if(scan.rtpmaps.begin(), scan.rtpmaps.end(), [pt](const auto& m) { return m.first == pt; });
    if (it != scan.rtpmaps.end()) {
      format.encoding = it->second.encoding;
      format.clock_rate = it->second.clock_rate;
    }
    desc.formats.push_back(std::move(format));
  }
  return desc;
}

std::optional<Negotiated> negotiate(const AudioDescription& remote) {
  if (remote.port == 0 || remote.address.empty()) return std::nullopt;
  Negotiated n;
  bool have_codec = false;
  for (const auto& f : remote.formats) {
    if (f.clock_rate != 8000) continue;
    if (!have_codec && (f.encoding == "PCMU" || f.encoding == "PCMA")) {
      n.codec = f.encoding == "PCMU" ? Codec::Pcmu : Codec::Pcma;
      n.codec_pt = f.pt;
      have_codec = true;
    } else if (n.telephone_event_pt < 0 && f.encoding == "TELEPHONE-EVENT") {
      n.telephone_event_pt = f.pt;
    }
  }
  if (!have_codec) return std::nullopt;
  n.remote_address = remote.address;
  n.remote_port = remote.port;
  return n;
}

namespace {

struct MediaFormat {
  int pt;
  const char* rtpmap;
};

std::string make_sdp(const LocalMedia& local, const std::vector<MediaFormat>& formats, int te_pt) {
  const char* family = local.address.find(':') != std::string::npos ? "IP6" : "IP4";
  std::ostringstream s;
  s << "v=0\r\n"
    << "o=callbackd " << local.session_id << ' ' << local.session_id << " IN " << family << ' '
    << local.address << "\r\n"
    << "s=callbackd\r\n"
    << "c=IN " << family << ' ' << local.address << "\r\n"
    << "t=0 0\r\n"
    << "m=audio " << local.port << " RTP/AVP";
  for (const auto& f : formats) s << ' ' << f.pt;
  s << "\r\n";
  for (const auto& f : formats) s << "a=rtpmap:" << f.pt << ' ' << f.rtpmap << "\r\n";
  if (te_pt >= 0) s << "a=fmtp:" << te_pt << " 0-15\r\n";
  s << "a=ptime:20\r\n"
    << "a=sendrecv\r\n";
  return s.str();
}

constexpr int kOfferTelephoneEventPt = 101;

}  // namespace

std::string make_offer(const LocalMedia& local) {
  return make_sdp(local,
                  {{0, "PCMU/8000"}, {8, "PCMA/8000"}, {kOfferTelephoneEventPt, "telephone-event/8000"}},
                  kOfferTelephoneEventPt);
}

std::string make_answer(const LocalMedia& local, const Negotiated& n) {
  std::vector<MediaFormat> formats{{n.codec_pt, n.codec == Codec::Pcmu ? "PCMU/8000" : "PCMA/8000"}};
  if (n.telephone_event_pt >= 0) formats.push_back({n.telephone_event_pt, "telephone-event/8000"});
  return make_sdp(local, formats, n.telephone_event_pt);
}

}  // namespace callbackd::media
