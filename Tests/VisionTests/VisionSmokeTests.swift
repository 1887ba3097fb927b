import XCTest
@testable import Vision

final class VisionSmokeTests: XCTestCase {
    func testModelName() { XCTAssertEqual(Vision.modelName, "inception_v3") }
}
