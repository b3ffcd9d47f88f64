#include "media/prompt.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <span>
#include <stdexcept>

namespace callbackd::media {
namespace {

constexpr std::uint16_t kFormatPcm = 1;
constexpr std::uint16_t kFormatExtensible = 0xFFFE;
constexpr std::uint32_t kRequiredRate = 8000;

std::uint16_t le16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8));
}

std::uint32_t le32(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint32_t>(b[at]) | (static_cast<std::uint32_t>(b[at + 1]) << 8) |
         (static_cast<std::uint32_t>(b[at + 2]) << 16) | (static_cast<std::uint32_t>(b[at + 3]) << 24);
}

bool tag_is(std::span<const std::uint8_t> b, std::size_t at, const char (&tag)[5]) {
  for (std::size_t i = 0; i < 4; ++i) {
    if (b[at + i] != static_cast<std::uint8_t>(tag[i])) return false;
  }
  return true;
}

struct WavChunks {
  std::optional<std::span<const std::uint8_t>> fmt;
  std::optional<std::span<const std::uint8_t>> data;
};

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  throw std::runtime_error("prompt " + path + ": " + problem);
}

// Walks the RIFF chunk list: tools put LIST/fact/bext chunks before or after "fmt " and "data".
WavChunks walk_chunks(std::span<const std::uint8_t> file, const std::string& path) {
  if (file.size() < 12 || !tag_is(file, 0, "RIFF") || !tag_is(file, 8, "WAVE"))
    fail(path, "not a RIFF/WAVE file");
  WavChunks chunks;
  std::size_t at = 12;
  while (at + 8 <= file.size()) {
    const std::uint32_t size = le32(file, at + 4);
    const std::size_t body = at + 8;
    if (size > file.size() - body) fail(path, "truncated chunk at offset " + std::to_string(at));
    auto content = file.subspan(body, size);
    if (tag_is(file, at, "fmt ")) chunks.fmt = content;
    if (tag_is(file, at, "data")) chunks.data = content;
    at = body + size + (size & 1U);  // chunks are padded to an even size
  }
  return chunks;
}

void check_format(std::span<const std::uint8_t> fmt, const std::string& path) {
  if (fmt.size() < 16) fail(path, "fmt chunk too short");
  std::uint16_t format = le16(fmt, 0);
  if (format == kFormatExtensible && fmt.size() >= 26)
    format = le16(fmt, 24);  // the sub-format GUID's first word
  const std::uint16_t channels = le16(fmt, 2);
  const std::uint32_t rate = le32(fmt, 4);
  const std::uint16_t bits = le16(fmt, 14);
  if (format != kFormatPcm) fail(path, "not linear PCM (format " + std::to_string(format) + ")");
  if (channels != 1) fail(path, std::to_string(channels) + " channels, need mono");
  if (rate != kRequiredRate) fail(path, std::to_string(rate) + " Hz, need 8000 Hz");
  if (bits != 16) fail(path, std::to_string(bits) + " bits per sample, need 16");
}

using Prompts = std::map<std::string, PromptPtr>;

void load_tree(const std::string& dir, Prompts& into) {
  namespace fs = std::filesystem;
  const fs::path root(dir);
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".wav") continue;
    auto key = fs::relative(entry.path(), root).replace_extension().generic_string();
    into[key] = load_wav(entry.path().string(), key);
  }
}

// Only keys that exist as defaults: a stray file cannot add a prompt that no menu plays.
void overlay_custom(const std::string& dir, Prompts& into) {
  std::error_code ec;
  if (dir.empty() || !std::filesystem::is_directory(dir, ec)) return;
  Prompts custom;
  for (const auto& [key, unused] : into) {
    std::string path = dir;
    path.append("/").append(key).append(".wav");
    if (!std::filesystem::is_regular_file(path, ec)) continue;
    try {
      custom[key] = load_wav(path, key);
    } catch (const std::exception& e) {
      spdlog::warn("prompts: using the default of {}: {}", key, e.what());
    }
  }
  for (auto& [key, prompt] : custom) into[key] = std::move(prompt);
}

}  // namespace

PromptPtr load_wav(const std::string& path, const std::string& name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open");
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
  return parse_wav(bytes, path, name);
}

PromptPtr parse_wav(std::span<const std::uint8_t> bytes, const std::string& source, const std::string& name) {
  const auto chunks = walk_chunks(bytes, source);
  if (!chunks.fmt) fail(source, "no fmt chunk");
  check_format(*chunks.fmt, source);
  if (!chunks.data) fail(source, "no data chunk");
  const auto data = *chunks.data;
  auto prompt = std::make_shared<Prompt>();
  prompt->name = name;
  prompt->samples.resize(data.size() / 2);
  for (std::size_t i = 0; i < prompt->samples.size(); ++i) {
    prompt->samples[i] = static_cast<std::int16_t>(le16(data, 2 * i));
  }
  return prompt;
}

PromptCatalog::PromptCatalog(const std::string& dir, const std::string& custom_dir) {
  if (!std::filesystem::is_directory(dir))
    throw std::runtime_error("prompt directory " + dir + " does not exist");
  load_tree(dir, prompts_);
  overlay_custom(custom_dir, prompts_);
}

PromptPtr PromptCatalog::find(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = prompts_.find(key);
  return it == prompts_.end() ? nullptr : it->second;
}

std::size_t PromptCatalog::size() const {
  std::lock_guard lock(mu_);
  return prompts_.size();
}

void PromptCatalog::replace(const std::string& key, PromptPtr prompt) {
  std::lock_guard lock(mu_);
  prompts_[key] = std::move(prompt);
}

}  // namespace callbackd::media
