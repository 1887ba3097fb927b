// KerasTranslation+Explain.swift — the Keras code of `explain` (keras.io's
// "Grad-CAM class activation visualization" example, with the class score
// taken before softmax), `show filters` and `save weights`.
import Lang
import Vision

extension KerasTranslation {
    /// The class index `explain … as CLASS` names, as Python: the index
    /// kungfu resolves when the class is written as a constant (an ImageNet
    /// label, wnid or index, or a class of the head), else a lookup.
    static func classIndex(_ argument: PythonArgument?, context: KerasContext) -> String {
        guard let argument else { return "int(tf.argmax(preds[0]))" }
        switch argument.constant {
        case .int(let index)?:
            return String(index)
        case .string(let name)?:
            if context.hasHead {
                if let index = context.model?.head?.classes.firstIndex(of: name) { return String(index) }
                return "class_names.index(\(argument.code))"
            }
            if let found = ImageNetLabels.classes.first(where: { $0.label == name || $0.wnid == name }) {
                return String(found.index)
            }
            return argument.code
        default:
            return context.hasHead ? "class_names.index(\(argument.code))" : argument.code
        }
    }

    /// `explain IMAGE [as CLASS] [layer LAYER] [to DIR] [save FILE.npy]`.
    static func explain(_ call: CommandCallSyntax, context: inout KerasContext) -> PythonCode {
        let image = call["image"]?.code ?? "\"\"", layer = call["layer"]?.code ?? "\"mixed10\""
        let folder = call["folder"]?.code ?? "\"explanations\""
        let last = context.hasHead ? "head.layers[-1]" : "model.layers[-1]"
        let name = context.hasHead
            ? "class_names[pred_index]"
            : "decode_predictions(np.eye(1, 1000, pred_index), top=1)[0][0][1]"
        var lines = [
            "import tensorflow as tf",
            "import matplotlib as mpl",
            "img_array = load_batch([\(image)])",
            "\(last).activation = None  # the class score before softmax, as in keras.io's Grad-CAM example",
            "grad_model = keras.Model(model.inputs, [model.get_layer(\(layer)).output, model.output])",
            "with tf.GradientTape() as tape:",
            "    layer_output, preds = grad_model(img_array)",
            "    pred_index = \(classIndex(call["class"], context: context))",
            "    class_channel = preds[:, pred_index]",
            "grads = tape.gradient(class_channel, layer_output)",
            "probability = float(tf.nn.softmax(preds[0])[pred_index])",
            "pooled_grads = tf.reduce_mean(grads, axis=(0, 1, 2))",
            "heatmap = tf.squeeze(layer_output[0] @ pooled_grads[..., tf.newaxis])",
            "heatmap = (tf.maximum(heatmap, 0) / tf.math.reduce_max(heatmap)).numpy()",
            "\(last).activation = keras.activations.softmax",
            "img = keras.utils.img_to_array(keras.utils.load_img(\(image)))",
            "jet_colors = mpl.colormaps[\"jet\"](np.arange(256))[:, :3]",
            "jet_heatmap = keras.utils.array_to_img(jet_colors[np.uint8(255 * heatmap)])",
            "jet_heatmap = keras.utils.img_to_array(jet_heatmap.resize((img.shape[1], img.shape[0])))",
            "superimposed = keras.utils.array_to_img(jet_heatmap * 0.4 + img)",
            "class_name = \(name)",
            "os.makedirs(\(folder), exist_ok=True)",
            "stem = os.path.splitext(os.path.basename(\(image)))[0]",
            "superimposed.save(os.path.join(\(folder), stem + \"-\" + class_name + \"-\" + \(layer) + \".png\"))",
        ]
        if let npy = call["npy"] {
            lines.append("np.save(\(npy.code), heatmap.astype(np.float32))")
        }
        lines += [
            "plt.imshow(superimposed)",
            "plt.title(f\"{class_name} {probability:.2%}\")",
            "plt.axis(\"off\")",
            "plt.show()",
        ]
        return PythonCode(lines, result: "heatmap")
    }

    /// `show filters LAYER [to DIR] [pairs N]`: the kernels scaled together,
    /// RGB patches for a first layer, one grey patch per input–output pair else.
    static func showFilters(_ call: CommandCallSyntax, context: inout KerasContext) -> PythonCode {
        let layer = call["layer"]?.code ?? "\"conv2d\"", folder = call["folder"]?.code ?? "\"filters\""
        let pairs = call["pairs"]?.code ?? "64"
        return PythonCode([
            "w = model.get_layer(\(layer)).get_weights()[0]  # (height, width, inputs, outputs)",
            "w = (w - w.min()) / (w.max() - w.min())",
            "if w.shape[2] == 3:",
            "    patches = [w[:, :, :, o] for o in range(w.shape[3])][:\(pairs)]",
            "else:",
            "    patches = [w[:, :, i, o] for o in range(w.shape[3]) for i in range(w.shape[2])][:\(pairs)]",
        ] + grid(count: "len(patches)", picture: "patches[k]", options: "cmap=\"gray\", vmin=0, vmax=1")
          + savedFigure(folder: folder, file: "\(layer) + \"-filters.png\""))
    }

    /// `save weights LAYER to FILE.npy`: get_weights() as .npy files, the
    /// first at FILE, the others beside it as STEM-NAME.npy.
    static func saveWeights(_ call: CommandCallSyntax, context: inout KerasContext) -> PythonCode {
        let layer = call["layer"]?.code ?? "\"conv2d\"", file = call["file"]?.code ?? "\"weights.npy\""
        return PythonCode([
            "for k, (weight, array) in enumerate(zip(model.get_layer(\(layer)).weights, model.get_layer(\(layer)).get_weights())):",
            "    target = \(file) if k == 0 else os.path.splitext(\(file))[0] + \"-\" + weight.name.split(\"/\")[-1] + \".npy\"",
            "    np.save(target, array)",
        ])
    }
}
