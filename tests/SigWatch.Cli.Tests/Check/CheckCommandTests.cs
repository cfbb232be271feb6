using System.Text.Json;
using SigWatch.Cli.Output;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Cli.Tests.Check;

public sealed class CheckCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sigwatch-check-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = CliApp.Run(args, new CliConsole(output, error, errorIsTerminal: false));
        return (exit, output.ToString(), error.ToString());
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Check_AdHocBinary_ExitsZeroWithCodesignStyleLinesAndVerdict()
    {
        var path = Write("adhoc", new MachOBuilder { Identifier = "com.example.tool" }.Build());

        var (exit, output, error) = Run("check", path);

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Empty(error);
        Assert.Contains($"Executable={path}", output);
        Assert.Contains("Identifier=com.example.tool", output);
        Assert.Contains("Format=Mach-O thin (arm64)", output);
        Assert.Contains("CodeDirectory v=20400", output);
        Assert.Contains("Signature=adhoc", output);
        // An empty requirements set has no explicit designated requirement: the implicit ad-hoc one is
        // the cdhash (StaticCode.cpp defaultDesignatedRequirement), printed as codesign does with "# ".
        Assert.Contains("# designated => cdhash H\"", output);
        Assert.Contains("Designated requirement: satisfied", output);
        Assert.EndsWith("Verdict: valid (ad-hoc)" + Environment.NewLine, output);
    }

    [Fact]
    public void Check_FlippedCodeByte_ExitsOneAndNamesPageAndArchitecture()
    {
        var bytes = new MachOBuilder().Build();
        bytes[4096 + 1] ^= 1;
        var path = Write("tampered", bytes);

        var (exit, output, _) = Run("check", path);

        Assert.Equal(ExitCodes.Invalid, exit);
        Assert.Contains("error page-hash-mismatch [arm64]: page 1 ", output);
        Assert.Contains("Verdict: invalid", output);
    }

    [Fact]
    public void Check_Unsigned_ExitsOneWithUnsignedVerdictInJson()
    {
        var path = Write("unsigned", new MachOBuilder().Unsigned().Build());

        var (exit, output, _) = Run("check", path, "--json");

        Assert.Equal(ExitCodes.Invalid, exit);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("unsigned", doc.RootElement.GetProperty("verdict").GetString());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("signature").ValueKind);
        Assert.Equal("not-signed", doc.RootElement.GetProperty("findings")[0].GetProperty("kind").GetString());
    }

    [Fact]
    public void Check_Json_HasEveryContractField()
    {
        var fat = new FatBuilder()
            .Add(new MachOBuilder { CpuType = Core.MachO.CpuTypes.CPU_TYPE_X86_64, CpuSubType = 3, Seed = 4 }.Build(), Core.MachO.CpuTypes.CPU_TYPE_X86_64, 3)
            .Add(new MachOBuilder().WithEntitlements("<plist><dict/></plist>").Build(), Core.MachO.CpuTypes.CPU_TYPE_ARM64)
            .Build();
        var path = Write("universal", fat);

        var (exit, output, _) = Run("check", path, "--json");

        Assert.Equal(ExitCodes.Ok, exit);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal(path, root.GetProperty("path").GetString());
        Assert.Equal("macho", root.GetProperty("kind").GetString());
        Assert.Equal("valid", root.GetProperty("verdict").GetString());
        var signature = root.GetProperty("signature");
        foreach (var key in new[] { "identifier", "teamId", "classification", "hardenedRuntime", "format", "architectures",
                     "certificates", "signingTime", "timestamp", "entitlements", "designatedRequirement" })
        {
            Assert.True(signature.TryGetProperty(key, out _), key);
        }

        Assert.Equal("ad-hoc", signature.GetProperty("classification").GetString());
        Assert.Equal("Mach-O universal (x86_64 arm64)", signature.GetProperty("format").GetString());
        var arch = signature.GetProperty("architectures")[1];
        foreach (var key in new[] { "cpu", "cdhash", "cdhashes", "codeDirectoryVersion", "hashType", "flags", "pageSize", "codeLimit" })
        {
            Assert.True(arch.TryGetProperty(key, out _), key);
        }

        Assert.Equal("arm64", arch.GetProperty("cpu").GetString());
        Assert.Equal(40, arch.GetProperty("cdhash").GetString()!.Length);
        Assert.Equal("adhoc", arch.GetProperty("flags")[0].GetString());
        Assert.Equal(JsonValueKind.Array, root.GetProperty("findings").ValueKind);
    }

    [Fact]
    public void Check_DualHashSignatureWithAgilityValuesOutOfDerOrder_SignatureVerifiesAndOnlyTheTestChainFails()
    {
        using var certificate = SignedMachO.TestSigner();
        var path = Write("dual-hash", SignedMachO.DualHash(certificate, derOrder: false));

        var (exit, output, _) = Run("check", path, "--json");

        Assert.Equal(ExitCodes.Invalid, exit);
        using var doc = JsonDocument.Parse(output);
        var kinds = doc.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("kind").GetString()).ToList();
        Assert.Contains("certificate-chain-untrusted", kinds);
        Assert.DoesNotContain("cms-signature-invalid", kinds);
        Assert.DoesNotContain("cdhash-attribute-mismatch", kinds);
        Assert.Equal(2, doc.RootElement.GetProperty("signature").GetProperty("architectures")[0].GetProperty("cdhashes").GetArrayLength());
    }

    [Fact]
    public void Check_UniversalOfStaticArchives_IsUnsignedNotCodeInJson()
    {
        byte[] archive = [.. "!<arch>\n"u8, .. new byte[60]];
        var path = Write("libstatic.a", new FatBuilder().Add(archive, Core.MachO.CpuTypes.CPU_TYPE_X86_64, 3).Add(archive, Core.MachO.CpuTypes.CPU_TYPE_ARM64).Build());

        var (exit, output, _) = Run("check", path, "--json");

        Assert.Equal(ExitCodes.Invalid, exit);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("unsigned", doc.RootElement.GetProperty("verdict").GetString());
        var finding = Assert.Single(doc.RootElement.GetProperty("findings").EnumerateArray());
        Assert.Equal("not-code", finding.GetProperty("kind").GetString());
        Assert.Contains("static archive", finding.GetProperty("detail").GetString());
    }

    [Fact]
    public void Check_BareBinaryWithAppendedBytes_FailsStrictValidationInJson()
    {
        var path = Write("appended", [.. new MachOBuilder().Build(), .. "tail"u8]);

        var (exit, output, _) = Run("check", path, "--json");

        Assert.Equal(ExitCodes.Invalid, exit);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("invalid", doc.RootElement.GetProperty("verdict").GetString());
        Assert.Equal("bad-main-executable", Assert.Single(doc.RootElement.GetProperty("findings").EnumerateArray()).GetProperty("kind").GetString());
    }

    [Fact]
    public void Check_JsonFinding_HasContractFields()
    {
        var bytes = new MachOBuilder().Build();
        bytes[10] ^= 1;
        var path = Write("bad", bytes);

        var (_, output, _) = Run("check", "--json", path);

        using var doc = JsonDocument.Parse(output);
        var finding = doc.RootElement.GetProperty("findings")[0];
        Assert.Equal("page-hash-mismatch", finding.GetProperty("kind").GetString());
        Assert.Equal(path, finding.GetProperty("path").GetString());
        Assert.Equal("arm64", finding.GetProperty("architecture").GetString());
        Assert.StartsWith("page 0 ", finding.GetProperty("detail").GetString());
    }

    [Fact]
    public void Check_RequirementSatisfied_ExitsZero_NotSatisfiedExitsOneNamingWhatWasFound()
    {
        var path = Write("tool", new MachOBuilder { Identifier = "com.apple.zipinfo" }.Build());

        var satisfied = Run("check", path, "--requirement", "identifier \"com.apple.zipinfo\"");
        Assert.Equal(ExitCodes.Ok, satisfied.Exit);
        Assert.Contains("Requirement: satisfied", satisfied.Out);

        // USER-PROBLEMS.md row 10: unzip's identifier differs between machines.
        var unmet = Run("check", path, "--requirement", "identifier \"com.apple.unzip\"");
        Assert.Equal(ExitCodes.Invalid, unmet.Exit);
        Assert.Contains("Requirement: not-satisfied", unmet.Out);
        Assert.Contains("com.apple.zipinfo", unmet.Out);
    }

    [Fact]
    public void Check_RequirementSyntaxError_ExitsTwoWithThePosition()
    {
        var path = Write("tool", new MachOBuilder().Build());
        var (exit, _, error) = Run("check", path, "--requirement", "identifier \"x\" and");
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("1:", error);
    }

    [Fact]
    public void Check_RequirementFile_IsReadAndReportedInJson()
    {
        var path = Write("tool", new MachOBuilder { Identifier = "com.example.tool" }.Build());
        var file = Write("req.txt", System.Text.Encoding.UTF8.GetBytes("identifier \"com.example.tool\""));
        var (exit, output, _) = Run("check", path, "--requirement-file", file, "--json");
        Assert.Equal(ExitCodes.Ok, exit);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("satisfied", doc.RootElement.GetProperty("requirement").GetProperty("outcome").GetString());
        Assert.Equal("implicit", doc.RootElement.GetProperty("signature").GetProperty("designatedRequirementSource").GetString());
        Assert.Equal("satisfied", doc.RootElement.GetProperty("signature").GetProperty("designatedRequirementSatisfied").GetString());
    }

    [RealFixturesFact]
    public void Check_DeveloperIdDylib_SatisfiesItsExplicitDesignatedRequirement_AndATeamRequirement()
    {
        var path = Path.Combine(RepoPaths.RealFixtures, "dotnet-runtime-native-devid", "osx-arm64", "libSystem.Net.Security.Native.dylib");
        var (exit, output, _) = Run("check", path, "--json", "--requirement", "anchor apple generic and certificate leaf[subject.OU] = UBF8T346G9");
        Assert.Equal(ExitCodes.Ok, exit);
        using var doc = JsonDocument.Parse(output);
        var signature = doc.RootElement.GetProperty("signature");
        Assert.Equal("explicit", signature.GetProperty("designatedRequirementSource").GetString());
        Assert.Equal("satisfied", signature.GetProperty("designatedRequirementSatisfied").GetString());
        Assert.Equal("satisfied", doc.RootElement.GetProperty("requirement").GetProperty("outcome").GetString());
    }

    [RealFixturesFact]
    public void Check_RealDeveloperIdDylib_ReportsChainTeamAndTimestamp()
    {
        var path = Path.Combine(RepoPaths.RealFixtures, "dotnet-runtime-native-devid", "osx-arm64", "libSystem.Net.Security.Native.dylib");

        var (exit, output, _) = Run("check", path, "--json");

        Assert.Equal(ExitCodes.Ok, exit);
        using var doc = JsonDocument.Parse(output);
        var signature = doc.RootElement.GetProperty("signature");
        Assert.Equal("developer-id", signature.GetProperty("classification").GetString());
        Assert.Equal("UBF8T346G9", signature.GetProperty("teamId").GetString());
        Assert.True(signature.GetProperty("hardenedRuntime").GetBoolean());
        Assert.Equal("9bebd71d80b5cd434d131a891d62f2cf81f3d40b", signature.GetProperty("architectures")[0].GetProperty("cdhash").GetString());
        Assert.Equal(3, signature.GetProperty("certificates").GetArrayLength());
        Assert.Equal(JsonValueKind.String, signature.GetProperty("timestamp").ValueKind);
        Assert.Contains("Developer ID Application: Microsoft Corporation (UBF8T346G9)",
            signature.GetProperty("certificates")[0].GetProperty("subject").GetString());
        Assert.Equal("UBF8T346G9", signature.GetProperty("certificates")[0].GetProperty("organizationalUnit").GetString());
        Assert.Equal("Apple Root CA", signature.GetProperty("certificates")[2].GetProperty("commonName").GetString());
        Assert.StartsWith("identifier \"libSystem.Net.Security.Native\" and anchor apple generic",
            signature.GetProperty("designatedRequirement").GetString());
    }

    [RealFixturesFact]
    public void Check_RealTamperedFixture_ExitsOne()
    {
        var path = Path.Combine(RepoPaths.RealFixtures, "r2-negative-tampered", "TestMacOS-arm64e");

        var (exit, output, _) = Run("check", path);

        Assert.Equal(ExitCodes.Invalid, exit);
        Assert.Contains("page-hash-mismatch [arm64e]", output);
        Assert.Contains("special-slot-unchecked [arm64e]", output);
    }

    [Fact]
    public void Check_MissingPath_ExitsFiveWithMessage()
    {
        var (exit, _, error) = Run("check", Path.Combine(_dir, "nope"));

        Assert.Equal(ExitCodes.CannotRead, exit);
        Assert.Contains("cannot read", error);
    }

    [Fact]
    public void Check_DirectoryWithoutSignature_ExitsOneAsUnsignedBundle()
    {
        var (exit, output, _) = Run("check", _dir, "--json");

        Assert.Equal(ExitCodes.Invalid, exit);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("bundle", doc.RootElement.GetProperty("kind").GetString());
        Assert.Equal("unsigned", doc.RootElement.GetProperty("verdict").GetString());
    }

    [Fact]
    public void Check_NoPath_ExitsTwo()
    {
        var (exit, _, error) = Run("check");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.NotEmpty(error);
    }

    [Fact]
    public void Check_NotMachO_ExitsOneAsOther()
    {
        var path = Write("script.sh", "#!/bin/sh\n"u8.ToArray());

        var (exit, output, _) = Run("check", path, "--json");

        Assert.Equal(ExitCodes.Invalid, exit);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("other", doc.RootElement.GetProperty("kind").GetString());
    }
}
