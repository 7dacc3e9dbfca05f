// `sluice replay` end to end on the shipped example, and its errors.
#include "tools/sluice/replay.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "tools/sluice/pcap_io.h"

namespace sluice {
namespace {

const std::string kExamples = EXAMPLES_DIR;

std::string TempPath(const char* name) {
  return ::testing::TempDir() + name;
}

std::vector<CapturedPacket> ReadAll(const std::string& path) {
  std::vector<CapturedPacket> out;
  EXPECT_TRUE(ReadPcap(path, [&](CapturedPacket& p) {
                out.push_back(p);
                return absl::OkStatus();
              }).ok());
  return out;
}

absl::Status Replay(std::vector<std::string> args, std::string* out = nullptr) {
  std::ostringstream os;
  auto s = RunReplayCommand(args, os);
  if (out) *out = os.str();
  return s;
}

TEST(Replay, TheExampleForwardsRejectsAndDropsAsItsSummarySays) {
  std::string out;
  auto s = Replay({"--objects", kExamples + "/objects.yaml", "--node-ip", "192.168.1.10,fd00::10",
                   "--node-name", "node-a", "--cluster-cidr", "10.244.0.0/16,fd00:244::/64",
                   kExamples + "/traffic.pcap", TempPath("out.pcap")},
                  &out);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_NE(out.find("packets: 10 read, 8 written"), std::string::npos) << out;
  EXPECT_NE(out.find("forward  7"), std::string::npos) << out;
  EXPECT_NE(out.find("reject   1"), std::string::npos) << out;
  EXPECT_NE(out.find("malformed_l3       1"), std::string::npos) << out;
  auto pkts = ReadAll(TempPath("out.pcap"));
  ASSERT_EQ(pkts.size(), 8u);
  // The first SYN to the web ClusterIP went to its ready endpoint 10.244.1.11:8080
  // (not the terminating 10.244.1.12), its source kept (pod traffic).
  const auto& syn = pkts[0].data;
  EXPECT_EQ(std::vector<uint8_t>(syn.begin() + 26, syn.begin() + 34),
            (std::vector<uint8_t>{10, 244, 0, 7, 10, 244, 1, 11}));
  EXPECT_EQ(syn[36] << 8 | syn[37], 8080);
  EXPECT_EQ(pkts[0].time_ns, 0u);
  EXPECT_EQ(pkts[1].time_ns, 1'000'000u);
}

TEST(Replay, WithoutClusterCidrPodTrafficIsExternalAndMasqueraded) {
  std::string out;
  ASSERT_TRUE(Replay({"--objects", kExamples + "/objects.yaml", "--node-ip", "192.168.1.10",
                      kExamples + "/traffic.pcap", TempPath("out2.pcap")},
                     &out)
                  .ok());
  auto pkts = ReadAll(TempPath("out2.pcap"));
  ASSERT_FALSE(pkts.empty());
  EXPECT_EQ(std::vector<uint8_t>(pkts[0].data.begin() + 26, pkts[0].data.begin() + 30),
            (std::vector<uint8_t>{192, 168, 1, 10}));
}

TEST(Replay, InvalidObjectsNameTheFileAndField) {
  std::string bad = TempPath("bad.yaml");
  std::ofstream(bad) << "apiVersion: v1\nkind: Service\nmetadata: {name: x}\n"
                        "spec: {clusterIP: 10.0.0.1, ports: [{port: 70000}]}\n";
  auto s = Replay({"--objects", bad, "--node-ip", "192.168.1.10", kExamples + "/traffic.pcap",
                   TempPath("o.pcap")});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("bad.yaml"), std::string::npos) << s;
  EXPECT_NE(s.message().find("spec.ports[0].port"), std::string::npos) << s;
}

TEST(Replay, AnUnreadableCaptureIsNamed) {
  std::string junk = TempPath("junk.pcap");
  std::ofstream(junk) << "this is not a capture";
  auto s = Replay({"--objects", kExamples + "/objects.yaml", "--node-ip", "192.168.1.10", junk,
                   TempPath("o.pcap")});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("junk.pcap"), std::string::npos) << s;
}

TEST(Replay, MissingFlagsAndBadAddressesAreExplained) {
  EXPECT_NE(Replay({"a.pcap", "b.pcap"}).message().find("--objects is required"),
            std::string::npos);
  EXPECT_NE(
      Replay({"--objects", "x", "--node-ip", "300.1.1.1", "a", "b"}).message().find("--node-ip"),
      std::string::npos);
  EXPECT_NE(
      Replay({"--objects", "x", "--node-ip", "1.1.1.1", "--cluster-cidr", "10.0.0.0", "a", "b"})
          .message()
          .find("--cluster-cidr"),
      std::string::npos);
  EXPECT_NE(Replay({"--objects", "x", "--node-ip", "1.1.1.1", "a"}).message().find("IN.pcap"),
            std::string::npos);
}

}  // namespace
}  // namespace sluice
