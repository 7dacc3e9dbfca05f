#include "control/store/store.h"

#include <string>

#include "gtest/gtest.h"

namespace sluice::store {
namespace {

TEST(PrefixEnd, IncrementsTheLastByte) {
  EXPECT_EQ(PrefixEnd("/a/"), "/a0");
}

TEST(PrefixEnd, DropsTrailingFfBytesFirst) {
  EXPECT_EQ(PrefixEnd("a\xff\xff"), "b");
}

TEST(PrefixEnd, HasNoEndForAnEmptyOrAllFfPrefix) {
  EXPECT_EQ(PrefixEnd(""), "");
  EXPECT_EQ(PrefixEnd("\xff\xff"), "");
}

TEST(PrefixEnd, IncrementsANulByte) {
  EXPECT_EQ(PrefixEnd(std::string("a\0", 2)), std::string("a\x01", 2));
}

TEST(CompactedError, CarriesTheCompactedRevision) {
  absl::Status status = CompactedError(3, 17);
  EXPECT_TRUE(IsCompacted(status));
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(CompactedRevision(status), 17);
}

TEST(CompactedError, IsNotAFutureRevisionError) {
  absl::Status future = FutureRevisionError(30, 17);
  EXPECT_EQ(future.code(), absl::StatusCode::kOutOfRange);
  EXPECT_FALSE(IsCompacted(future));
  EXPECT_EQ(CompactedRevision(future), 0);
  EXPECT_FALSE(IsCompacted(absl::OkStatus()));
}

}  // namespace
}  // namespace sluice::store
