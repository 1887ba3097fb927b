import XCTest
@testable import Lang

final class LangSmokeTests: XCTestCase {
    func testScriptExtension() { XCTAssertEqual(Lang.scriptExtension, "kf") }
}
