using System.Runtime.Versioning;
using System.Text;
using SigWatch.Core.Seal;
using SigWatch.Core.Verification;
using SigWatch.Platform;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Core.Tests.Seal;

/// <summary>Shared helpers: verify through the real lstat file tree and reduce a report to what a test asserts.</summary>
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("macos")]
internal static class SealTesting
{
    /// <summary>The same name in NFC and in NFD: what copy tools turn into each other.</summary>
    public const string Nfc = TreeEdits.Nfc;
    public const string Nfd = TreeEdits.Nfd;

    /// <summary>An app with every kind of resource and nested code: files, a localization, a symlink, a framework, a helper, a tool.</summary>
    public static BundleBuilder FullApp() => new BundleBuilder("Test.app")
        .WithFile("Resources/a.txt", "alpha")
        .WithFile("Resources/sub/b.txt", "beta")
        .WithFile("Resources/" + Nfc, "accent")
        .WithFile("Resources/en.lproj/Localizable.strings", "\"k\" = \"v\";")
        .WithFile("Resources/Base.lproj/Main.nib", "nib")
        .WithSymlink("Resources/link.txt", "a.txt")
        .WithFramework("Kit")
        .WithHelperApp("Helper")
        .WithNestedMachO("MacOS/tool");

    public static BundleVerificationReport Verify(string bundle, BundleVerifierOptions? options = null) =>
        new BundleVerifier(LstatFileTree.Instance, options).Verify(bundle);

    /// <summary>"kind path" for every error, in order, so a test states exactly what it expects.</summary>
    public static string[] Errors(BundleVerificationReport report) =>
        [.. report.Findings.Where(f => f.Severity == FindingSeverity.Error).Select(f => $"{f.KindName} {f.Path}")];

    /// <summary>Everything a report says, as text: verdict, findings with details, diagnoses, nested code.</summary>
    public static string Said(BundleVerificationReport report)
    {
        var text = new StringBuilder().AppendLine(report.Verdict.ToString());
        foreach (var f in report.Findings)
        {
            text.AppendLine($"finding {f.Severity} {f.KindName} {f.Path} {f.Detail}");
        }

        foreach (var d in report.Diagnoses)
        {
            text.AppendLine($"diagnosis {d.Kind} [{string.Join(", ", d.Paths)}] {d.Explanation}");
        }

        foreach (var n in report.Nested)
        {
            text.AppendLine($"nested {n.Path} {n.Report.Verdict} {n.RequirementOutcome}");
        }

        return text.ToString();
    }

    public static string Describe(BundleVerificationReport report) => string.Join("\n", report.Findings.Select(f => $"{f} @ {f.Path}"));
}
