// InceptionV3+Architecture.swift — the network, written once, in the order
// keras.applications.inception_v3 creates its layers (which fixes every name).
//
// Shapes in the comments are for a 299×299 input. `g.conv` is Keras'
// conv2d_bn: Conv2D (no bias) → BatchNormalization (no scale) → ReLU,
// padding 'same' and stride 1 unless stated. Block names follow Szegedy et
// al. 2016 as torchvision labels them: A (35×35), B (35→17), C (17×17,
// factorised 7×7), D (17→8), E (8×8, expanded filter bank).

extension InceptionV3 {
    /// Records the whole network for `configuration` into `g`; returns the output layer.
    static func define(_ g: GraphBuilder, _ configuration: Configuration) -> Int {
        let x0 = g.input(height: configuration.inputHeight, width: configuration.inputWidth,
                         channels: 3)                                    // 299×299×3
        let x1 = g.conv(x0, 32, 3, 3, strides: 2, padding: .valid)       // 149×149×32
        let x2 = g.conv(x1, 32, 3, 3, padding: .valid)                   // 147×147×32
        let x3 = g.conv(x2, 64, 3, 3)                                    // 147×147×64
        let x4 = g.maxPool(x3)                                           //  73×73×64
        let x5 = g.conv(x4, 80, 1, 1, padding: .valid)                   //  73×73×80
        let x6 = g.conv(x5, 192, 3, 3, padding: .valid)                  //  71×71×192
        let x7 = g.maxPool(x6)                                           //  35×35×192
        let m0 = inceptionA(g, x7, poolFilters: 32, name: "mixed0")      //  35×35×256
        let m1 = inceptionA(g, m0, poolFilters: 64, name: "mixed1")      //  35×35×288
        let m2 = inceptionA(g, m1, poolFilters: 64, name: "mixed2")      //  35×35×288
        let m3 = inceptionB(g, m2)                                       //  17×17×768
        let m4 = inceptionC(g, m3, width: 128, name: "mixed4")           //  17×17×768
        let m5 = inceptionC(g, m4, width: 160, name: "mixed5")           //  17×17×768
        let m6 = inceptionC(g, m5, width: 160, name: "mixed6")           //  17×17×768
        let m7 = inceptionC(g, m6, width: 192, name: "mixed7")           //  17×17×768
        let m8 = inceptionD(g, m7)                                       //   8×8×1280
        let m9 = inceptionE(g, m8, index: 0)                             //   8×8×2048
        let m10 = inceptionE(g, m9, index: 1)                            //   8×8×2048
        if configuration.includeTop {
            let features = g.globalAveragePool(m10, name: "avg_pool")    //   2048
            return g.dense(features, units: 1000, name: "predictions")   //   1000, softmax
        }
        switch configuration.pooling {
        case .none: return m10
        case .avg: return g.globalAveragePool(m10)                       //   2048
        case .max: return g.globalMaxPool(m10)                           //   2048
        }
    }

    /// mixed0–2: 1×1 | 1×1→5×5 | 1×1→3×3→3×3 | avg 3×3→1×1.
    private static func inceptionA(_ g: GraphBuilder, _ x: Int, poolFilters: Int, name: String) -> Int {
        let b1 = g.conv(x, 64, 1, 1)                     // 35×35×64
        let b5a = g.conv(x, 48, 1, 1)                    // 35×35×48
        let b5 = g.conv(b5a, 64, 5, 5)                   // 35×35×64
        let b3a = g.conv(x, 64, 1, 1)                    // 35×35×64
        let b3b = g.conv(b3a, 96, 3, 3)                  // 35×35×96
        let b3 = g.conv(b3b, 96, 3, 3)                   // 35×35×96
        let pa = g.averagePool(x)                        // 35×35×C
        let p = g.conv(pa, poolFilters, 1, 1)            // 35×35×32|64
        return g.concatenate([b1, b5, b3, p], name: name)
    }

    /// mixed3: 3×3/2 | 1×1→3×3→3×3/2 | max 3×3/2.
    private static func inceptionB(_ g: GraphBuilder, _ x: Int) -> Int {
        let b3 = g.conv(x, 384, 3, 3, strides: 2, padding: .valid)     // 17×17×384
        let d1 = g.conv(x, 64, 1, 1)                                   // 35×35×64
        let d2 = g.conv(d1, 96, 3, 3)                                  // 35×35×96
        let d3 = g.conv(d2, 96, 3, 3, strides: 2, padding: .valid)     // 17×17×96
        let p = g.maxPool(x)                                           // 17×17×288
        return g.concatenate([b3, d3, p], name: "mixed3")              // 17×17×768
    }

    /// mixed4–7: 1×1 | 1×1→1×7→7×1 | 1×1→7×1→1×7→7×1→1×7 | avg 3×3→1×1.
    private static func inceptionC(_ g: GraphBuilder, _ x: Int, width c: Int, name: String) -> Int {
        let b1 = g.conv(x, 192, 1, 1)                    // 17×17×192
        let s1 = g.conv(x, c, 1, 1)                      // 17×17×c
        let s2 = g.conv(s1, c, 1, 7)                     // 17×17×c
        let s3 = g.conv(s2, 192, 7, 1)                   // 17×17×192
        let d1 = g.conv(x, c, 1, 1)                      // 17×17×c
        let d2 = g.conv(d1, c, 7, 1)                     // 17×17×c
        let d3 = g.conv(d2, c, 1, 7)                     // 17×17×c
        let d4 = g.conv(d3, c, 7, 1)                     // 17×17×c
        let d5 = g.conv(d4, 192, 1, 7)                   // 17×17×192
        let pa = g.averagePool(x)                        // 17×17×768
        let p = g.conv(pa, 192, 1, 1)                    // 17×17×192
        return g.concatenate([b1, s3, d5, p], name: name)
    }

    /// mixed8: 1×1→3×3/2 | 1×1→1×7→7×1→3×3/2 | max 3×3/2.
    private static func inceptionD(_ g: GraphBuilder, _ x: Int) -> Int {
        let a1 = g.conv(x, 192, 1, 1)                                   // 17×17×192
        let a2 = g.conv(a1, 320, 3, 3, strides: 2, padding: .valid)     //  8×8×320
        let b1 = g.conv(x, 192, 1, 1)                                   // 17×17×192
        let b2 = g.conv(b1, 192, 1, 7)                                  // 17×17×192
        let b3 = g.conv(b2, 192, 7, 1)                                  // 17×17×192
        let b4 = g.conv(b3, 192, 3, 3, strides: 2, padding: .valid)     //  8×8×192
        let p = g.maxPool(x)                                            //  8×8×768
        return g.concatenate([a2, b4, p], name: "mixed8")               //  8×8×1280
    }

    /// mixed9–10: 1×1 | 1×1→(1×3, 3×1) | 1×1→3×3→(1×3, 3×1) | avg 3×3→1×1.
    private static func inceptionE(_ g: GraphBuilder, _ x: Int, index i: Int) -> Int {
        let b1 = g.conv(x, 320, 1, 1)                                   // 8×8×320
        let s = g.conv(x, 384, 1, 1)                                    // 8×8×384
        let s1 = g.conv(s, 384, 1, 3)                                   // 8×8×384
        let s2 = g.conv(s, 384, 3, 1)                                   // 8×8×384
        let split = g.concatenate([s1, s2], name: "mixed9_\(i)")        // 8×8×768
        let d1 = g.conv(x, 448, 1, 1)                                   // 8×8×448
        let d2 = g.conv(d1, 384, 3, 3)                                  // 8×8×384
        let d3 = g.conv(d2, 384, 1, 3)                                  // 8×8×384
        let d4 = g.conv(d2, 384, 3, 1)                                  // 8×8×384
        let dbl = g.concatenate([d3, d4])                               // 8×8×768
        let pa = g.averagePool(x)                                       // 8×8×C
        let p = g.conv(pa, 192, 1, 1)                                   // 8×8×192
        return g.concatenate([b1, split, dbl, p], name: "mixed\(9 + i)") // 8×8×2048
    }
}
