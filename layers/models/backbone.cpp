// make_backbone: the backbones by name (see backbone.h).
#include "layers/models/backbone.h"

#include "layers/models/alexnet.h"
#include "layers/models/resnet.h"
#include "layers/models/small_cnn.h"
#include "layers/models/swin.h"
#include "layers/models/vgg.h"

namespace hg {

Backbone make_backbone(const std::string& name, const BackboneOptions& options) {
  HG_CHECK(options.in_channels > 0 && options.image_size > 0,
           "make_backbone: in_channels and image_size must be positive, got ", options.in_channels,
           " and ", options.image_size);
  std::shared_ptr<ConvBackbone> model;
  if (name == "smallcnn") model = small_cnn(dsbh_cnn_stages(), options, name);
  if (name == "cnn5") model = small_cnn(adsh_cnn5_stages(), options, name);
  if (name == "alexnet") model = alexnet(options);
  if (name == "vgg16") model = vgg16(options, false);
  if (name == "vgg16_bn") model = vgg16(options, true);
  if (model) return {model, model->feature_dim()};
  if (name == "resnet18") {
    auto resnet = std::make_shared<ResNet18>(options);
    return {resnet, resnet->feature_dim()};
  }
  if (name == "swin_tiny" || name == "swin_micro") {
    // The Swin hashing method's channel-attention branch lives inside every block, so its
    // "attention" is a flag of the blocks rather than a block after the last stage.
    HG_CHECK(options.attention == AttentionKind::none || options.attention == AttentionKind::mixed,
             "make_backbone: ", name,
             " takes attention none or mixed (the CAB branch inside "
             "its blocks), got ",
             attention_kind_name(options.attention));
    SwinBackboneOptions swin_options;
    swin_options.image_size = options.image_size;
    swin_options.in_channels = options.in_channels;
    swin_options.mixed_attention = options.attention == AttentionKind::mixed;
    auto swin = make_swin_backbone(name, swin_options);
    return {swin, swin->feature_dim()};
  }
  throw Error(
      "make_backbone: unknown backbone '" + name +
      "'; known: smallcnn, cnn5, alexnet, vgg16, vgg16_bn, resnet18, swin_tiny, swin_micro");
}

}  // namespace hg
