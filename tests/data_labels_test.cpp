// Labels (tensor/labels.h) and the similarity rule on hand-made labels: single-label (same
// class) and multi-label (share at least one label), gathers, concatenation and the tensor views.
#include <gtest/gtest.h>

#include "tensor/labels.h"
#include "tests/data_test_files.h"

namespace hg {
namespace {

using test::error_message;

TEST(DataLabels, ClassIdsBecomeOneHotRows) {
  Labels labels = Labels::from_class_ids({2, 0, 2}, 3);
  EXPECT_EQ(labels.count(), 3);
  EXPECT_FALSE(labels.multi_label());
  EXPECT_EQ(labels.matrix(), (std::vector<uint8_t>{0, 0, 1, 1, 0, 0, 0, 0, 1}));
  EXPECT_EQ(labels.class_id(1), 0);
  EXPECT_EQ(labels.matrix_tensor(DType::f32).to_vector<float>(),
            (std::vector<float>{0, 0, 1, 1, 0, 0, 0, 0, 1}));
  EXPECT_EQ(labels.matrix_tensor(DType::u8).shape(), (Shape{3, 3}));
  EXPECT_EQ(labels.class_id_tensor().to_vector<int64_t>(), (std::vector<int64_t>{2, 0, 2}));
  EXPECT_EQ(error_message([] {
              Labels::from_class_ids({0, 3}, 3);
            }),
            "labels: item 1 has class 3, outside [0, 3)");
}

TEST(DataLabels, SimilarMeansSameClassOrASharedLabel) {
  Labels single = Labels::from_class_ids({2, 0, 2}, 3);
  RelevanceTable single_single(single, single);
  EXPECT_TRUE(single_single.relevant(0, 2));
  EXPECT_FALSE(single_single.relevant(0, 1));
  // Rows {0, 2}, {1}, {} and {1, 2}.
  Labels multi = Labels::from_multi_hot({1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1}, 3);
  EXPECT_TRUE(multi.multi_label());
  EXPECT_EQ(multi.count(), 4);
  RelevanceTable multi_multi(multi, multi);
  EXPECT_TRUE(multi_multi.relevant(0, 3));   // share class 2
  EXPECT_FALSE(multi_multi.relevant(0, 1));  // {0, 2} and {1}
  EXPECT_FALSE(multi_multi.relevant(2, 2));  // an item without labels matches nothing
  // Single-label queries against a multi-label database: the rows decide.
  EXPECT_EQ(similarity_matrix(single, multi).to_vector<float>(), (std::vector<float>{1, 0, 0, 1,  //
                                                                                     1, 0, 0, 0,  //
                                                                                     1, 0, 0, 1}));
  EXPECT_EQ(error_message([&] { multi.class_ids(); }),
            "labels: class ids asked of multi-label data (use the label matrix)");
  EXPECT_EQ(error_message([] {
              Labels::from_multi_hot({0, 2, 1}, 3);
            }),
            "labels: multi-hot value 2 at item 0, class 1 is not 0 or 1");
}

TEST(DataLabels, GatherAndConcatKeepRowsAndKind) {
  Labels labels = Labels::from_class_ids({0, 1, 2, 3}, 4);
  Labels picked = labels.gather({3, 1, 1});
  EXPECT_EQ(picked.class_ids(), (std::vector<int32_t>{3, 1, 1}));
  EXPECT_EQ(picked.matrix(), (std::vector<uint8_t>{0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0}));
  Labels joined = picked.concat(labels.gather({0}));
  EXPECT_EQ(joined.class_ids(), (std::vector<int32_t>{3, 1, 1, 0}));
  EXPECT_EQ(error_message([&] { labels.concat(Labels::from_class_ids({0}, 2)); }),
            "labels: cannot concatenate 4-class single-label data with 2-class single-label data");
  EXPECT_EQ(error_message([&] { labels.gather({4}); }), "labels: item 4 out of range [0, 4)");
}

TEST(DataLabels, OneTypeServesDatasetsAndCodeFiles) {
  // Without a class count (labels read from .npy or code files): 1 + the largest id.
  Labels read = Labels::from_class_ids({3, 0, 7});
  EXPECT_EQ(read.layout(), LabelLayout::class_ids);
  EXPECT_EQ(read.num_classes(), 8);
  EXPECT_EQ(read.classes_of(2), (std::vector<int64_t>{7}));
  EXPECT_EQ(read.row(0), (std::vector<uint8_t>{0, 0, 0, 1, 0, 0, 0, 0}));
  Labels multi = Labels::from_multi_hot({1, 0, 1, 0, 0, 0}, 3);
  EXPECT_EQ(multi.layout(), LabelLayout::multi_hot);
  EXPECT_EQ(multi.classes_of(0), (std::vector<int64_t>{0, 2}));
  EXPECT_TRUE(multi.classes_of(1).empty());
  EXPECT_STREQ(label_layout_name(LabelLayout::multi_hot), "multi-hot");

  // No labels: layout none, nothing to gather, nothing to compare.
  Labels none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.count(), 0);
  EXPECT_TRUE(none.gather({0, 5}).empty());
  EXPECT_EQ(error_message([&] { none.class_ids(); }),
            "labels: class ids asked of items without labels");
  EXPECT_EQ(error_message([&] { RelevanceTable(none, read); }),
            "relevance needs labels for both queries and database (queries: none, database: "
            "class ids)");
  // Class ids compare by id whatever their class counts; rows need the same classes.
  EXPECT_TRUE(RelevanceTable(Labels::from_class_ids({7}), read).relevant(0, 2));
  EXPECT_EQ(error_message([&] { RelevanceTable(multi, read); }),
            "query labels have 3 classes but database labels have 8");
}

}  // namespace
}  // namespace hg
