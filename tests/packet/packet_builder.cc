#include "tests/packet/packet_builder.h"

#include <arpa/inet.h>

#include <array>
#include <cstdio>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace sluice::testing {
namespace {

using Bytes = std::vector<uint8_t>;

struct Addrs {
  bool v6 = false;
  std::array<uint8_t, 16> src{};
  std::array<uint8_t, 16> dst{};
};

void Put16(Bytes& b, size_t off, uint16_t v) {
  b[off] = static_cast<uint8_t>(v >> 8);
  b[off + 1] = static_cast<uint8_t>(v);
}
void Put32(Bytes& b, size_t off, uint32_t v) {
  Put16(b, off, static_cast<uint16_t>(v >> 16));
  Put16(b, off + 2, static_cast<uint16_t>(v));
}

uint32_t SumBytes(uint32_t sum, const uint8_t* p, size_t n) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += (p[i] << 8) | p[i + 1];
  if (n & 1) sum += p[n - 1] << 8;
  return sum;
}
uint16_t Fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}
uint32_t PseudoSum(const Addrs& a, size_t len, uint8_t proto) {
  size_t n = a.v6 ? 16 : 4;
  uint32_t s = SumBytes(0, a.src.data(), n);
  s = SumBytes(s, a.dst.data(), n);
  s += static_cast<uint32_t>(len >> 16) + static_cast<uint32_t>(len & 0xffff) + proto;
  return s;
}

template <typename T>
T Get(const YAML::Node& n, const char* key, T def) {
  return n[key] ? n[key].as<T>() : def;
}

std::array<uint8_t, 16> ParseIp(const std::string& s, bool v6) {
  std::array<uint8_t, 16> out{};
  if (inet_pton(v6 ? AF_INET6 : AF_INET, s.c_str(), out.data()) != 1)
    throw YAML::Exception(YAML::Mark::null_mark(), "bad IP address " + s);
  return out;
}

Bytes Hex(const YAML::Node& n) {
  auto r = ParseHex(n.as<std::string>());
  if (!r.ok()) throw YAML::Exception(YAML::Mark::null_mark(), std::string(r.status().message()));
  return *r;
}

Bytes Payload(const YAML::Node& spec) {
  if (spec["payload"]) return Hex(spec["payload"]);
  Bytes p(Get<size_t>(spec, "payload_len", 0));
  for (size_t i = 0; i < p.size(); ++i) p[i] = static_cast<uint8_t>('a' + i % 26);
  return p;
}

uint8_t TcpFlags(const std::string& f) {
  uint8_t v = 0;
  for (char c : f) {
    switch (c) {
      case 'F':
        v |= 0x01;
        break;
      case 'S':
        v |= 0x02;
        break;
      case 'R':
        v |= 0x04;
        break;
      case 'P':
        v |= 0x08;
        break;
      case 'A':
        v |= 0x10;
        break;
      case 'U':
        v |= 0x20;
        break;
      default:
        throw YAML::Exception(YAML::Mark::null_mark(), "bad TCP flag");
    }
  }
  return v;
}

Bytes BuildL3(const YAML::Node& spec);

// L4 header and payload; sets *proto. Checksums cover what is present.
Bytes BuildL4(const YAML::Node& spec, const Addrs& a, uint8_t* proto) {
  Bytes payload = Payload(spec);
  Bytes b;
  if (auto t = spec["tcp"]) {
    *proto = 6;
    Bytes opts = t["options"] ? Hex(t["options"]) : Bytes{};
    size_t hl = 20 + opts.size();
    b.assign(hl, 0);
    Put16(b, 0, t["sport"].as<uint16_t>());
    Put16(b, 2, t["dport"].as<uint16_t>());
    Put32(b, 4, Get<uint32_t>(t, "seq", 1000));
    Put32(b, 8, Get<uint32_t>(t, "ack", 0));
    b[12] = static_cast<uint8_t>(Get<unsigned>(t, "doff", static_cast<unsigned>(hl / 4)) << 4);
    b[13] = TcpFlags(Get<std::string>(t, "flags", "S"));
    Put16(b, 14, Get<uint16_t>(t, "window", 64240));
    std::copy(opts.begin(), opts.end(), b.begin() + 20);
    b.insert(b.end(), payload.begin(), payload.end());
    Put16(b, 16, Fold(SumBytes(PseudoSum(a, b.size(), 6), b.data(), b.size())));
  } else if (auto u = spec["udp"]) {
    *proto = 17;
    b.assign(8, 0);
    Put16(b, 0, u["sport"].as<uint16_t>());
    Put16(b, 2, u["dport"].as<uint16_t>());
    b.insert(b.end(), payload.begin(), payload.end());
    Put16(b, 4, Get<uint16_t>(u, "len", static_cast<uint16_t>(b.size())));
    if (!Get<bool>(u, "zero_checksum", false)) {
      uint16_t c = Fold(SumBytes(PseudoSum(a, b.size(), 17), b.data(), b.size()));
      Put16(b, 6, c == 0 ? 0xffff : c);
    }
  } else if (auto s = spec["sctp"]) {
    *proto = 132;
    b.assign(12, 0);
    Put16(b, 0, s["sport"].as<uint16_t>());
    Put16(b, 2, s["dport"].as<uint16_t>());
    Put32(b, 4, Get<uint32_t>(s, "tag", 0x01020304));
    b.insert(b.end(), payload.begin(), payload.end());
    uint32_t crc = 0xffffffff;  // CRC32c, stored least significant byte first
    for (uint8_t byte : b) {
      crc ^= byte;
      for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
    }
    crc = ~crc;
    for (int k = 0; k < 4; ++k) b[8 + k] = static_cast<uint8_t>(crc >> (8 * k));
  } else if (auto i = spec["icmp"]) {
    *proto = a.v6 ? 58 : 1;
    b.assign(8, 0);
    b[0] = i["type"].as<uint8_t>();
    b[1] = Get<unsigned>(i, "code", 0);
    if (i["rest"]) {
      Bytes rest = Hex(i["rest"]);
      std::copy(rest.begin(), rest.begin() + std::min<size_t>(4, rest.size()), b.begin() + 4);
    }
    if (i["quote"]) {
      Bytes q = BuildL3(i["quote"]);
      if (i["quote"]["cut"]) q.resize(std::min(q.size(), i["quote"]["cut"].as<size_t>()));
      b.insert(b.end(), q.begin(), q.end());
    }
    b.insert(b.end(), payload.begin(), payload.end());
    uint32_t sum = a.v6 ? PseudoSum(a, b.size(), 58) : 0;
    Put16(b, 2, Fold(SumBytes(sum, b.data(), b.size())));
  } else {
    b = payload;  // a later fragment, or raw L4
  }
  return b;
}

Bytes BuildIpv4(const YAML::Node& ip, const YAML::Node& spec) {
  Addrs a;
  a.src = ParseIp(ip["src"].as<std::string>(), false);
  a.dst = ParseIp(ip["dst"].as<std::string>(), false);
  uint8_t proto = Get<unsigned>(ip, "proto", 0);
  uint8_t l4proto = 0;
  Bytes l4 = BuildL4(spec, a, &l4proto);
  if (!ip["proto"]) proto = l4proto;
  Bytes opts = ip["options"] ? Hex(ip["options"]) : Bytes{};
  size_t hl = 20 + opts.size();
  Bytes h(hl, 0);
  h[0] = static_cast<uint8_t>(0x40 | Get<unsigned>(ip, "ihl", static_cast<unsigned>(hl / 4)));
  h[1] = Get<unsigned>(ip, "tos", 0);
  Put16(h, 2, Get<uint16_t>(ip, "tot_len", static_cast<uint16_t>(hl + l4.size())));
  Put16(h, 4, Get<uint16_t>(ip, "id", 1));
  uint16_t frag = Get<uint16_t>(ip, "frag_offset", 0) & 0x1fff;
  if (Get<bool>(ip, "df", false)) frag |= 0x4000;
  if (Get<bool>(ip, "mf", false)) frag |= 0x2000;
  Put16(h, 6, frag);
  h[8] = Get<unsigned>(ip, "ttl", 64);
  h[9] = proto;
  std::copy(a.src.begin(), a.src.begin() + 4, h.begin() + 12);
  std::copy(a.dst.begin(), a.dst.begin() + 4, h.begin() + 16);
  std::copy(opts.begin(), opts.end(), h.begin() + 20);
  Put16(h, 10, ip["check"] ? ip["check"].as<uint16_t>() : Fold(SumBytes(0, h.data(), hl)));
  h.insert(h.end(), l4.begin(), l4.end());
  return h;
}

Bytes BuildIpv6(const YAML::Node& ip, const YAML::Node& spec) {
  Addrs a;
  a.v6 = true;
  a.src = ParseIp(ip["src"].as<std::string>(), true);
  a.dst = ParseIp(ip["dst"].as<std::string>(), true);
  uint8_t l4proto = 0;
  Bytes l4 = BuildL4(spec, a, &l4proto);
  if (ip["proto"]) l4proto = ip["proto"].as<unsigned>();
  // Extension headers, built back to front so each knows its next header.
  Bytes ext;
  uint8_t next = l4proto;
  if (auto list = ip["ext"]) {
    for (size_t i = list.size(); i-- > 0;) {
      const YAML::Node e = list[i];
      Bytes h;
      uint8_t type;
      if (e["frag"]) {
        type = 44;
        h.assign(8, 0);
        uint16_t off = static_cast<uint16_t>(Get<uint16_t>(e["frag"], "offset", 0) << 3);
        if (Get<bool>(e["frag"], "mf", false)) off |= 1;
        Put16(h, 2, off);
        Put32(h, 4, Get<uint32_t>(e["frag"], "id", 7));
      } else {
        const char* names[] = {"hop", "routing", "dest"};
        const uint8_t types[] = {0, 43, 60};
        type = 255;
        size_t len = 0;
        for (int k = 0; k < 3; ++k)
          if (e[names[k]]) type = types[k], len = e[names[k]].as<size_t>();
        if (type == 255 || len < 8 || len % 8)
          throw YAML::Exception(YAML::Mark::null_mark(), "bad extension header");
        h.assign(len, 0);
        h[1] = static_cast<uint8_t>(len / 8 - 1);
        if (type == 0 || type == 60) h[2] = 1, h[3] = static_cast<uint8_t>(len - 4);  // PadN
      }
      h[0] = next;
      next = type;
      h.insert(h.end(), ext.begin(), ext.end());
      ext = h;
    }
  }
  Bytes h(40, 0);
  h[0] = 0x60;
  Put16(h, 4, Get<uint16_t>(ip, "payload_len", static_cast<uint16_t>(ext.size() + l4.size())));
  h[6] = next;
  h[7] = Get<unsigned>(ip, "hlim", 64);
  std::copy(a.src.begin(), a.src.end(), h.begin() + 8);
  std::copy(a.dst.begin(), a.dst.end(), h.begin() + 24);
  h.insert(h.end(), ext.begin(), ext.end());
  h.insert(h.end(), l4.begin(), l4.end());
  return h;
}

Bytes BuildL3(const YAML::Node& spec) {
  if (spec["ipv4"]) return BuildIpv4(spec["ipv4"], spec);
  if (spec["ipv6"]) return BuildIpv6(spec["ipv6"], spec);
  throw YAML::Exception(YAML::Mark::null_mark(), "packet has neither ipv4 nor ipv6");
}

std::array<uint8_t, 6> Mac(const YAML::Node& n, const char* key, const char* def) {
  std::string s = n && n[key] ? n[key].as<std::string>() : def;
  std::array<uint8_t, 6> m{};
  if (std::sscanf(s.c_str(), "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2], &m[3], &m[4],
                  &m[5]) != 6)
    throw YAML::Exception(YAML::Mark::null_mark(), "bad MAC " + s);
  return m;
}

}  // namespace

absl::StatusOr<std::vector<uint8_t>> ParseHex(const std::string& hex) {
  std::vector<uint8_t> out;
  int nibble = -1;
  for (char c : hex) {
    int v;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v = c - 'A' + 10;
    else if (c == ' ' || c == '\n' || c == ':')
      continue;
    else
      return absl::InvalidArgumentError(
          absl::StrCat("bad hex character '", std::string(1, c), "'"));
    if (nibble < 0) {
      nibble = v;
    } else {
      out.push_back(static_cast<uint8_t>(nibble << 4 | v));
      nibble = -1;
    }
  }
  if (nibble >= 0) return absl::InvalidArgumentError("odd number of hex digits");
  return out;
}

absl::StatusOr<std::vector<uint8_t>> BuildPacket(const YAML::Node& spec) {
  try {
    if (spec["raw"]) return Hex(spec["raw"]);
    Bytes l3 = BuildL3(spec);
    Bytes f(14, 0);
    auto dst = Mac(spec["eth"], "dst", "02:00:00:00:00:02");
    auto src = Mac(spec["eth"], "src", "02:00:00:00:00:01");
    std::copy(dst.begin(), dst.end(), f.begin());
    std::copy(src.begin(), src.end(), f.begin() + 6);
    Put16(f, 12, spec["ipv6"] ? 0x86dd : 0x0800);
    f.insert(f.end(), l3.begin(), l3.end());
    if (spec["truncate"]) f.resize(std::min(f.size(), spec["truncate"].as<size_t>()));
    return f;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("packet spec: ", e.what()));
  }
}

std::string DescribePacket(const std::vector<uint8_t>& f) {
  std::string out;
  if (f.size() >= 34 && f[12] == 0x08 && f[13] == 0x00) {
    char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &f[26], s, sizeof(s));
    inet_ntop(AF_INET, &f[30], d, sizeof(d));
    size_t l4 = 14 + (f[14] & 0xf) * 4;
    absl::StrAppendFormat(&out, "IPv4 %s -> %s proto %d", s, d, f[23]);
    if (f.size() >= l4 + 4)
      absl::StrAppendFormat(&out, " ports %d -> %d", f[l4] << 8 | f[l4 + 1],
                            f[l4 + 2] << 8 | f[l4 + 3]);
  } else if (f.size() >= 54 && f[12] == 0x86 && f[13] == 0xdd) {
    char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &f[22], s, sizeof(s));
    inet_ntop(AF_INET6, &f[38], d, sizeof(d));
    absl::StrAppendFormat(&out, "IPv6 %s -> %s next %d", s, d, f[20]);
    if (f.size() >= 58)
      absl::StrAppendFormat(&out, " ports %d -> %d", f[54] << 8 | f[55], f[56] << 8 | f[57]);
  }
  absl::StrAppendFormat(&out, " (%d bytes)\n", f.size());
  for (size_t i = 0; i < f.size(); ++i)
    absl::StrAppendFormat(&out, "%02x%s", f[i], (i % 16 == 15) ? "\n" : " ");
  return out;
}

}  // namespace sluice::testing
