// RegistryTests.swift — the command registry as API: what registration
// refuses, longest-name matching, usage lines, help text, argument
// accessors. Oracle: hand-written expectations from the specs below.
import XCTest
@testable import Lang

final class RegistryTests: XCTestCase {
    private func spec(_ name: String, _ parameters: [Parameter] = []) -> CommandSpec {
        CommandSpec(name, summary: "s", parameters: parameters, example: name, keras: "k")
    }

    private func registrationError(_ spec: CommandSpec, after existing: [CommandSpec] = []) -> String? {
        let registry = CommandRegistry()
        for e in existing { XCTAssertNoThrow(try registry.register(e) { _, _ in nil }) }
        do {
            try registry.register(spec) { _, _ in nil }
            return nil
        } catch let error as RegistryError {
            return error.message
        } catch {
            return "unexpected \(error)"
        }
    }

    func testRegistrationRefusesMalformedSpecs() {
        XCTAssertEqual(registrationError(spec("load  model")), "command 'load  model': the name must be words separated by single spaces")
        XCTAssertEqual(registrationError(spec("")), "command '': the name must be words separated by single spaces")
        XCTAssertEqual(registrationError(spec("show-image")),
                       "command 'show-image': 'show-image' is not a valid command word (letters, digits and '_', not a reserved word)")
        XCTAssertEqual(registrationError(spec("print all")),
                       "command 'print all': 'print' is not a valid command word (letters, digits and '_', not a reserved word)")
        XCTAssertEqual(registrationError(spec("len of")), "command 'len of': 'len' is the name of a built-in function")
        XCTAssertEqual(registrationError(spec("predict"), after: [spec("predict")]),
                       "command 'predict': a command with this name is already registered")
        XCTAssertEqual(registrationError(spec("p", [.positional("a", .string, summary: ""), .keyword("a", .string, summary: "")])),
                       "command 'p': two parameters are called 'a'")
        XCTAssertEqual(registrationError(spec("p", [.keyword("a", .string, keyword: "of", summary: ""),
                                                    .keyword("b", .string, keyword: "of", summary: "")])),
                       "command 'p': two parameters use the keyword 'of'")
        XCTAssertEqual(registrationError(spec("p", [.keyword("a", .string, keyword: "in", summary: "")])),
                       "command 'p': keyword 'in' of 'a' is not a valid word (letters, digits and '_', not a reserved word)")
        XCTAssertEqual(registrationError(spec("p", [.positional("a", .string, optional: true, summary: ""),
                                                    .positional("b", .string, summary: "")])),
                       "command 'p': required parameter 'b' comes after an optional positional one")
        XCTAssertEqual(registrationError(spec("p", [.keyword("a", .integer, default: "x", summary: "")])),
                       "command 'p': the default \"x\" of 'a' is not a whole number")
        XCTAssertEqual(registrationError(spec("p", [.keyword("a", .integer, default: 1, required: true, summary: "")])),
                       "command 'p': required parameter 'a' cannot have a default")
        XCTAssertEqual(registrationError(spec("p", [.keyword("a", .choice(["ok", "not"]), summary: "")])),
                       "command 'p': choice 'not' of 'a' is not a valid word (letters, digits and '_', not a reserved word)")
        XCTAssertEqual(registrationError(spec("p", [Parameter(name: "f", type: .flag, kind: .positional, isRequired: false,
                                                              defaultValue: .bool(false), summary: "")])),
                       "command 'p': flag 'f' must be a keyword parameter")
        XCTAssertNil(registrationError(spec("show image"), after: [spec("show")]))
    }

    func testLongestNameWins() throws {
        let registry = CommandRegistry()
        var ran: [String] = []
        for name in ["show", "show image", "show image grid"] {
            try registry.register(spec(name, [.positional("x", .any, optional: true, summary: "")])) { _, _ in
                ran.append(name)
                return nil
            }
        }
        let interpreter = Interpreter(registry: registry) { _ in }
        XCTAssertEqual(interpreter.run(source: "show 1\nshow image 2\nshow image grid\nshow image grid 3", name: "t"),
                       .completed)
        XCTAssertEqual(ran, ["show", "show image", "show image grid", "show image grid"])
    }

    func testUsageLines() {
        XCTAssertEqual(TestHost.registry().command(named: "predict")?.usage, "predict <image> [top <integer>]")
        XCTAssertEqual(TestHost.registry().command(named: "show activations")?.usage,
                       "show activations <layer> of <image> [to <folder>]")
        XCTAssertEqual(TestHost.registry().command(named: "greet")?.usage, "greet <who> [times <integer>] [loudly]")
        XCTAssertEqual(TestHost.registry().command(named: "pick layers")?.usage, "pick layers <indexes>")
        XCTAssertEqual(ParameterType.list(.integer).usage, "[<integer>, …]")
        XCTAssertEqual(ParameterType.oneOf([.choice(["imagenet", "none"]), .string]).expectation,
                       "imagenet, none or a string")
    }

    func testHelpTextAsAPI() {
        let registry = TestHost.registry()
        XCTAssertEqual(registry.helpText(for: "set seed"), """
            set seed — Seed the random numbers.

            usage: set seed <seed>

              <seed>  the seed (required)

            example: set seed 42
            keras:   keras.utils.set_random_seed(42)
            """)
        XCTAssertEqual(registry.helpText(for: "print"), """
            print — show values, separated by spaces

            usage:   print value, …
            example: print "top label:", r.label
            """)
        XCTAssertNil(registry.helpText(for: "predcit"))
        XCTAssertTrue(registry.helpText().hasPrefix("Commands:\n  greet             Say hello to someone.\n"))
        XCTAssertTrue(CommandRegistry().helpText().hasPrefix("Commands: none are registered.\n\nStatements:\n"))
    }

    func testArgumentsSeeDefaultsAndWhatWasGiven() throws {
        let registry = CommandRegistry()
        var seen: Arguments?
        try registry.register(spec("train", [
            .keyword("epochs", .integer, default: 1, summary: ""),
            .keyword("rate", .number, default: 0.001, summary: ""),
            .keyword("folder", .string, keyword: "to", summary: ""),
            .flag("quiet", summary: ""),
            .keyword("sizes", .list(.integer), default: [1, 2], summary: ""),
        ])) { args, _ in
            seen = args
            return nil
        }
        let interpreter = Interpreter(registry: registry) { _ in }
        XCTAssertEqual(interpreter.run(source: "train rate 1 quiet sizes 3...5", name: "t"), .completed)
        let args = try XCTUnwrap(seen)
        XCTAssertEqual(args.int("epochs"), 1)
        XCTAssertEqual(args.double("rate"), 1.0)
        XCTAssertEqual(args["rate"], .int(1), "a number parameter keeps an int an int")
        XCTAssertNil(args.string("folder"))
        XCTAssertEqual(args.bool("quiet"), true)
        XCTAssertEqual(args.list("sizes"), [3, 4, 5], "a range is accepted as a list of ints")
        XCTAssertFalse(args.wasGiven("epochs"))
        XCTAssertTrue(args.wasGiven("rate"))
        XCTAssertEqual(args.command, "train")
    }

    func testHostCommandProtocol() throws {
        struct Shout: HostCommand {
            let spec = CommandSpec("shout", summary: "Shout.", parameters: [.positional("word", .name, summary: "")],
                                   example: "shout hey", keras: "print('HEY')", returns: "string")
            func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
                context.write("(shouting) ")
                return .string(arguments.string("word")!.uppercased())
            }
        }
        let registry = CommandRegistry()
        try registry.register(Shout())
        var out = ""
        let interpreter = Interpreter(registry: registry) { out += $0 }
        XCTAssertEqual(interpreter.run(source: "shout hey\nlet s = shout you\nprint s", name: "t"), .completed)
        XCTAssertEqual(out, "(shouting) \"HEY\"\n(shouting) YOU\n")
    }

    func testCommandsRegisteredLaterAreSeen() throws {
        let registry = CommandRegistry()
        let interpreter = Interpreter(registry: registry) { _ in }
        XCTAssertEqual(interpreter.evaluate(input: "ping 1").diagnostics.map(\.message), ["unknown command 'ping'"])
        try registry.register(spec("ping", [.positional("n", .integer, summary: "")])) { _, _ in .string("pong") }
        XCTAssertEqual(interpreter.evaluate(input: "ping 1"), .completed)
    }

    // Oracle: the declared ranges, and Float32 itself (1e308 is inf there,
    // 5e-324 is 0, 0.9999999999 is 1). A literal out of range is found
    // before anything runs (the first `train` never runs either); a variable
    // when its command is reached, before the command runs.
    func testRangesAreCheckedBeforeTheCommandRuns() throws {
        let registry = CommandRegistry()
        var runs = 0
        try registry.register(spec("train", [
            .keyword("batch", .integer, default: 32, range: .integers(1...4096), summary: ""),
            .keyword("rate", .number, default: 0.001, range: .float32(above: 0, through: 100), summary: ""),
            .keyword("momentum", .number, default: 0, range: .float32(from: 0, below: 1), summary: ""),
            .keyword("seed", .integer, default: 0, range: .integers(0...Int.max), summary: ""),
        ])) { _, _ in
            runs += 1
            return nil
        }
        let interpreter = Interpreter(registry: registry) { _ in }
        func messages(_ source: String) -> [String] {
            guard case .failed(let diagnostics) = interpreter.run(source: source, name: "t") else { return [] }
            return diagnostics.map(\.message)
        }
        let cases = [
            ("batch 9223372036854775807", "batch must be between 1 and 4096, got 9223372036854775807"),
            ("batch -9223372036854775807", "batch must be between 1 and 4096, got -9223372036854775807"),
            ("batch 0", "batch must be between 1 and 4096, got 0"),
            ("rate 1e308", "rate must be above 0 and at most 100, got 1e+308 (inf as the 32-bit float training uses)"),
            ("rate 5e-324", "rate must be above 0 and at most 100, got 5e-324 (0 as the 32-bit float training uses)"),
            ("rate -0.0", "rate must be above 0 and at most 100, got -0"),
            ("momentum 0.9999999999", "momentum must be from 0 to below 1, got 0.9999999999 (1 as the 32-bit float training uses)"),
            ("seed -1", "seed must be at least 0, got -1"),
        ]
        for (options, expected) in cases {
            XCTAssertEqual(messages("train\ntrain \(options)"), [expected], options)
        }
        XCTAssertEqual(runs, 0)
        XCTAssertEqual(messages("let b = 4097\ntrain batch b"), ["batch must be between 1 and 4096, got 4097"])
        XCTAssertEqual(messages("let m = 1 - 1e-12\ntrain momentum m").first?.hasPrefix("momentum must be from 0 to below 1"), true)
        XCTAssertEqual(runs, 0)
        XCTAssertEqual(interpreter.run(source: "train batch 4096 rate 100 momentum 0.9999999 seed 9223372036854775807", name: "t"),
                       .completed)
        XCTAssertEqual(runs, 1)
        XCTAssertEqual(registrationError(spec("p", [.keyword("n", .integer, default: 0, range: .integers(1...2), summary: "")])),
                       "command 'p': the default is out of range: n must be between 1 and 2, got 0")
        XCTAssertEqual(registry.helpText(for: "train")?.contains("(between 1 and 4096, default: 32)"), true)
    }
}
