#include "control/controllers/allocators/allocation_table.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "control/controllers/allocators/service_json.h"
#include "dataplane/ip_address.h"

namespace sluice::controllers {
namespace {

using json = nlohmann::json;

// What an allocation key names: an address or a port.
struct KeyValueOf {
  std::optional<IpAddress> ip;
  std::optional<int64_t> port;
};

KeyValueOf Parse(absl::string_view key) {
  KeyValueOf out;
  if (!absl::ConsumePrefix(&key, kAllocationsPrefix)) return out;
  if (absl::ConsumePrefix(&key, "clusterips/")) {
    if (auto ip = IpAddress::Parse(key); ip.ok()) out.ip = *ip;
  } else if (absl::ConsumePrefix(&key, "nodeports/")) {
    int64_t port = 0;
    if (absl::SimpleAtoi(key, &port)) out.port = port;
  }
  return out;
}

}  // namespace

std::set<std::string> AllocationKeys(const json& service) {
  std::set<std::string> keys;
  if (!service.is_object() || !service.contains("spec") || !service["spec"].is_object())
    return keys;
  const json& spec = service["spec"];
  if (NeedsClusterIp(spec))
    for (const std::string& text : ClusterIps(spec))
      if (auto ip = IpAddress::Parse(text); ip.ok())
        keys.insert(absl::StrCat(kAllocationsPrefix, "clusterips/", ip->ToString()));
  for (int64_t port : NodePortsOf(spec))
    keys.insert(absl::StrCat(kAllocationsPrefix, "nodeports/", port));
  return keys;
}

Reservation& Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    if (table_ != nullptr) table_->Release(keys_);
    table_ = std::exchange(other.table_, nullptr);
    keys_ = std::move(other.keys_);
    other.keys_.clear();
  }
  return *this;
}

Reservation::~Reservation() {
  if (table_ != nullptr) table_->Release(keys_);
}

bool AllocationTable::IsUsedLocked(const std::string& key) const {
  if (reserved_.contains(key)) return true;
  auto it = entries_.find(key);
  return it != entries_.end() && it->second.owner.has_value();
}

void AllocationTable::Mark(const std::string& key, bool used) {
  KeyValueOf value = Parse(key);
  if (value.ip)
    for (auto& [text, view] : cluster_ips_)
      if (auto offset = view.first.OffsetOf(*value.ip))
        used ? view.second.MarkUsed(*offset) : view.second.Release(*offset);
  if (value.port)
    for (auto& [range, view] : node_ports_)
      if (*value.port >= range.first && *value.port <= range.second) {
        uint64_t offset = static_cast<uint64_t>(*value.port - range.first);
        used ? view.MarkUsed(offset) : view.Release(offset);
      }
}

void AllocationTable::Changed(const std::string& key, bool was_used) {
  bool used = IsUsedLocked(key);
  if (used != was_used) Mark(key, used);
}

void AllocationTable::Apply(const std::string& key, std::optional<std::string> owner,
                            int64_t revision, bool from_watch) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.revision > revision) return;
  bool was_used = IsUsedLocked(key);
  if (!owner.has_value() && from_watch) {
    // Nothing older can come any more: the watch delivers in order.
    if (it != entries_.end()) entries_.erase(it);
  } else {
    entries_[key] = Entry{.owner = std::move(owner), .revision = revision};
  }
  Changed(key, was_used);
}

void AllocationTable::Reset(const std::vector<store::KeyValue>& kvs, int64_t revision) {
  absl::MutexLock lock(&mu_);
  std::set<std::string> listed;
  for (const store::KeyValue& kv : kvs) {
    listed.insert(kv.key);
    auto it = entries_.find(kv.key);
    if (it != entries_.end() && it->second.revision > kv.mod_revision) continue;
    bool was_used = IsUsedLocked(kv.key);
    entries_[kv.key] = Entry{.owner = kv.value, .revision = kv.mod_revision};
    Changed(kv.key, was_used);
  }
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (listed.contains(it->first) || it->second.revision > revision) {
      ++it;
      continue;
    }
    std::string key = it->first;
    bool was_used = IsUsedLocked(key);
    it = entries_.erase(it);
    Changed(key, was_used);
  }
}

std::optional<std::string> AllocationTable::Owner(const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second.owner;
}

InUse AllocationTable::View(const ServiceAllocator& allocator) {
  InUse in_use;
  auto fill = [&](auto&& mark) {
    for (const auto& [key, entry] : entries_)
      if (entry.owner) mark(key);
    for (const std::string& key : reserved_) mark(key);
  };
  for (const IpRange& range : allocator.cluster_ip_ranges()) {
    auto it = cluster_ips_.find(range.text());
    if (it == cluster_ips_.end()) {
      RangeAllocator used(range.size(), 0);
      fill([&](const std::string& key) {
        if (KeyValueOf value = Parse(key); value.ip)
          if (auto offset = range.OffsetOf(*value.ip)) used.MarkUsed(*offset);
      });
      it = cluster_ips_.emplace(range.text(), std::make_pair(range, std::move(used))).first;
    }
    in_use.cluster_ips.push_back(&it->second.second);
  }
  std::pair<int, int> ports{allocator.node_port_min(), allocator.node_port_max()};
  auto it = node_ports_.find(ports);
  if (it == node_ports_.end()) {
    RangeAllocator used(static_cast<uint64_t>(ports.second - ports.first + 1), 0);
    fill([&](const std::string& key) {
      if (KeyValueOf value = Parse(key);
          value.port && *value.port >= ports.first && *value.port <= ports.second)
        used.MarkUsed(static_cast<uint64_t>(*value.port - ports.first));
    });
    it = node_ports_.emplace(ports, std::move(used)).first;
  }
  in_use.node_ports = &it->second;
  return in_use;
}

Allocation AllocationTable::Allocate(const ServiceAllocator& allocator, json& service,
                                     const json& stored, uint64_t start) {
  absl::MutexLock lock(&mu_);
  Allocation result;
  result.errors = allocator.Allocate(service, View(allocator), stored, start);
  if (!result.errors.empty()) return result;
  std::set<std::string> kept = AllocationKeys(stored);
  std::vector<std::string> reserved;
  for (const std::string& key : AllocationKeys(service)) {
    if (kept.contains(key) || reserved_.contains(key)) continue;
    bool was_used = IsUsedLocked(key);
    reserved_.insert(key);
    reserved.push_back(key);
    Changed(key, was_used);
  }
  result.reservation = Reservation(this, std::move(reserved));
  return result;
}

void AllocationTable::Release(const std::vector<std::string>& keys) {
  absl::MutexLock lock(&mu_);
  for (const std::string& key : keys) {
    bool was_used = IsUsedLocked(key);
    reserved_.erase(key);
    Changed(key, was_used);
  }
}

}  // namespace sluice::controllers
