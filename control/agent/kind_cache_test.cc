// What lists and watch events do to the agent's copy of one kind, including
// what the API server should never send: bad objects and bad lines are
// skipped, 410 Gone asks for a relist.
#include "control/agent/kind_cache.h"

#include <gtest/gtest.h>

#include <vector>

namespace sluice::agent {
namespace {

std::string Svc(const std::string& name, const std::string& ip, const std::string& rv,
                const std::string& kind = "") {
  return "{" + kind + R"("metadata":{"name":")" + name +
         R"(","namespace":"default","resourceVersion":")" + rv + R"("},"spec":{"clusterIP":")" +
         ip + R"(","ports":[{"port":80}]}})";
}
std::string Event(const std::string& type, const std::string& object) {
  return R"({"type":")" + type + R"(","object":)" + object + "}";
}
const std::string kKind = R"("kind":"Service","apiVersion":"v1",)";

class KindCacheTest : public ::testing::Test {
 protected:
  std::vector<std::string> ClusterIps() {
    k8s::Objects out;
    cache_.AppendTo(out);
    std::vector<std::string> ips;
    for (const k8s::Service& s : out.services)
      ips.push_back(s.metadata.name + "=" + s.cluster_ips.at(0).ToString());
    return ips;
  }
  bool Apply(const std::string& line) {
    auto changed = cache_.ApplyEvent(line);
    EXPECT_TRUE(changed.ok()) << changed.status();
    return changed.ok() && *changed;
  }
  std::vector<std::string> log_;
  KindCache cache_{"Service", "v1", [this](const std::string& m) { log_.push_back(m); }};
};

TEST_F(KindCacheTest, AListReplacesEverythingAndAnEqualOneIsNoChange) {
  std::string list = R"({"kind":"ServiceList","metadata":{"resourceVersion":"7"},"items":[)" +
                     Svc("a", "10.96.0.1", "5") + "," + Svc("b", "10.96.0.2", "6") + "]}";
  auto changed = cache_.ReplaceWithList(list);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(cache_.resource_version(), "7");
  EXPECT_EQ(ClusterIps(), (std::vector<std::string>{"a=10.96.0.1", "b=10.96.0.2"}));
  changed = cache_.ReplaceWithList(list);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed) << "a relist that finds the same objects changes nothing";
  EXPECT_FALSE(cache_.ReplaceWithList("{\"items\": 3}").ok());
  EXPECT_EQ(ClusterIps().size(), 2u) << "a bad list leaves the objects alone";
}

TEST_F(KindCacheTest, EventsAddModifyAndDelete) {
  EXPECT_TRUE(Apply(Event("ADDED", Svc("a", "10.96.0.1", "8", kKind))));
  EXPECT_TRUE(Apply(Event("MODIFIED", Svc("a", "10.96.0.9", "9", kKind))));
  EXPECT_EQ(ClusterIps(), (std::vector<std::string>{"a=10.96.0.9"}));
  EXPECT_FALSE(
      Apply(Event("BOOKMARK", R"({"kind":"Service","metadata":{"resourceVersion":"12"}})")));
  EXPECT_EQ(cache_.resource_version(), "12");
  EXPECT_TRUE(Apply(Event("DELETED", Svc("a", "10.96.0.9", "13", kKind))));
  EXPECT_TRUE(ClusterIps().empty());
  EXPECT_FALSE(Apply(Event("DELETED", Svc("a", "10.96.0.9", "14", kKind))));
  EXPECT_EQ(cache_.resource_version(), "14");
}

TEST_F(KindCacheTest, BadObjectsAndLinesAreSkippedAndLogged) {
  EXPECT_TRUE(Apply(Event("ADDED", Svc("a", "10.96.0.1", "8", kKind))));
  // A port out of range: the parsers reject it; the last good version stays.
  std::string bad = Svc("a", "10.96.0.2", "9", kKind);
  bad.replace(bad.find("\"port\":80"), 9, "\"port\":99999");
  EXPECT_FALSE(Apply(Event("MODIFIED", bad)));
  EXPECT_FALSE(Apply(Event("ADDED", "[1]")));
  EXPECT_FALSE(Apply("not json at all"));
  EXPECT_FALSE(Apply(Event("SURPRISE", Svc("b", "10.96.0.3", "10", kKind))));
  EXPECT_FALSE(
      Apply(Event("ADDED", Svc("k", "10.96.0.4", "11",
                               R"("kind":"Service","apiVersion":"serving.knative.dev/v1",)"))));
  EXPECT_EQ(ClusterIps(), (std::vector<std::string>{"a=10.96.0.1"}));
  ASSERT_EQ(log_.size(), 5u);
  EXPECT_NE(log_[0].find("spec.ports[0].port"), std::string::npos) << log_[0];
  EXPECT_NE(log_[1].find("no event"), std::string::npos) << log_[1];
  EXPECT_NE(log_[2].find("no event"), std::string::npos) << log_[2];
  EXPECT_NE(log_[3].find("SURPRISE"), std::string::npos) << log_[3];
  EXPECT_NE(log_[4].find("not a Service of v1"), std::string::npos) << log_[4];
}

TEST_F(KindCacheTest, GoneAsksForARelistAndOtherErrorsAreErrors) {
  auto gone = cache_.ApplyEvent(
      Event("ERROR", R"({"kind":"Status","code":410,"reason":"Expired","message":"too old"})"));
  EXPECT_TRUE(absl::IsAborted(gone.status())) << gone.status();
  auto other = cache_.ApplyEvent(Event("ERROR", R"({"kind":"Status","code":500,"message":"x"})"));
  EXPECT_TRUE(absl::IsUnavailable(other.status())) << other.status();
}

}  // namespace
}  // namespace sluice::agent
