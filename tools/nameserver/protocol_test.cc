// The testserver's wire format and argument parsing, without sockets.
#include "tools/nameserver/protocol.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

namespace sluice::testserver {
namespace {

TEST(TestServerProtocol, NamesAreShortAndNeedNoQuoting) {
  EXPECT_TRUE(ValidName("be0"));
  EXPECT_TRUE(ValidName("node-a.b_c"));
  EXPECT_FALSE(ValidName(""));
  EXPECT_FALSE(ValidName("with space"));
  EXPECT_FALSE(ValidName("quote\""));
  EXPECT_FALSE(ValidName(std::string(33, 'a')));
}

TEST(TestServerProtocol, AddressesAreNumericOnly) {
  auto v4 = ParseSockAddr("10.244.1.2", 8080);
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->family(), AF_INET);
  EXPECT_EQ(FormatAddr(v4->get()), "10.244.1.2");
  EXPECT_EQ(AddrPort(v4->get()), 8080);
  auto v6 = ParseSockAddr("fd00:244:1::2", 53);
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->family(), AF_INET6);
  EXPECT_EQ(FormatAddr(v6->get()), "fd00:244:1::2");
  EXPECT_FALSE(ParseSockAddr("localhost", 80).ok());
  EXPECT_FALSE(ParseSockAddr("10.0.0.1", 0).ok());
  EXPECT_FALSE(ParseSockAddr("10.0.0.1", 65536).ok());
}

TEST(TestServerProtocol, MappedAddressesPrintAsIpv4) {
  auto mapped = ParseSockAddr("::ffff:192.168.100.2", 1);
  ASSERT_TRUE(mapped.ok());
  EXPECT_EQ(FormatAddr(mapped->get()), "192.168.100.2");
}

TEST(TestServerProtocol, UdpAnswersCarryNameThenPayload) {
  auto peer = ParseSockAddr("192.168.100.2", 40000);
  ASSERT_TRUE(peer.ok());
  EXPECT_EQ(UdpAnswer("be1", "SEQ 5", peer->get()), "be1\nSEQ 5");
  EXPECT_EQ(UdpAnswer("be1", "PEER", peer->get()), "be1\nPEER 192.168.100.2 40000\n");
  auto r = ParseUdpReply("be1\nSEQ 5..");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->name, "be1");
  EXPECT_EQ(r->payload, "SEQ 5..");
  EXPECT_FALSE(ParseUdpReply("no newline").has_value());
  EXPECT_FALSE(ParseUdpReply("bad name\nx").has_value());
}

TEST(TestServerProtocol, SequenceNumbersSurvivePadding) {
  std::string p = SeqPayload(123456, 64);
  EXPECT_EQ(p.size(), 64u);
  EXPECT_EQ(ParseSeq(p), 123456u);
  EXPECT_EQ(SeqPayload(7, 2), "SEQ 7");  // never cut
  EXPECT_FALSE(ParseSeq("SEQ x").has_value());
  EXPECT_FALSE(ParseSeq("?").has_value());
}

TEST(TestServerProtocol, StreamPatternDoesNotRepeatAtChunkSizes) {
  for (uint64_t chunk : {256u, 512u, 1024u, 16384u}) {
    EXPECT_NE(StreamByte(1), StreamByte(1 + chunk)) << chunk;
  }
}

TEST(TestServerProtocol, JsonIsEscaped) {
  EXPECT_EQ(JsonString("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000a\"");
  EXPECT_EQ(JsonCounts({{"be0", 2}, {"be1", 3}}), "{\"be0\": 2, \"be1\": 3}");
  EXPECT_EQ(JsonStrings({"x", ""}), "[\"x\", \"\"]");
  EXPECT_EQ(JsonStrings({}), "[]");
}

TEST(TestServerProtocol, FlagsTakeValuesAndSwitches) {
  auto f = Flags::Parse({"--port", "1", "--peer", "--port", "2"}, {"--port"}, {"--peer"});
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->Has("--peer"));
  EXPECT_EQ(f->GetAll("--port"), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(*f->GetInt("--port", 0, 1, 10), 2);
  EXPECT_EQ(*f->GetInt("--count", 7, 1, 10), 7);
  EXPECT_FALSE(f->GetInt("--port", 0, 5, 10).ok());
  EXPECT_FALSE(Flags::Parse({"--bogus", "1"}, {"--port"}).ok());
  EXPECT_FALSE(Flags::Parse({"--port"}, {"--port"}).ok());
}

}  // namespace
}  // namespace sluice::testserver
