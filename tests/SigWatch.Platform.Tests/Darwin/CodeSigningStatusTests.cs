using SigWatch.Core.Verification;
using SigWatch.Platform.Darwin;

namespace SigWatch.Platform.Tests.Darwin;

public class CodeSigningStatusTests
{
    [Theory]
    [InlineData(-67062, "errSecCSUnsigned")]
    [InlineData(-67061, "errSecCSSignatureFailed")]
    [InlineData(-67070, "errSecCSInvalidFlags")]
    [InlineData(-67055, "errSecCSResourcesInvalid")]
    [InlineData(-67054, "errSecCSBadResource")]
    [InlineData(-67053, "errSecCSResourceRulesInvalid")]
    [InlineData(-67050, "errSecCSReqFailed")]
    [InlineData(-67030, "errSecCSInfoPlistFailed")]
    [InlineData(-67026, "errSecCSFileHardQuarantined")]
    [InlineData(-67010, "errSecCSBadMainExecutable")]
    [InlineData(-66996, "errSecCSSignatureUntrusted")]
    [InlineData(-66992, "errSecCSRevokedNotarization")]
    [InlineData(-66990, "errSecCSRemoteSignerFailed")]
    public void Name_MatchesReferenceTable(int status, string name) => Assert.Equal(name, CodeSigningStatus.Name(status));

    [Fact]
    public void Table_CoversEveryValueFromMinus67072ToMinus66990ExceptTheGap()
    {
        // §3.4 lists every value in the range except -67038.
        var listed = CodeSigningStatus.All.Select(i => i.Status).Where(s => s != 0).ToHashSet();
        var expected = Enumerable.Range(-67072, 67072 - 66990 + 1).Where(s => s != -67038).ToHashSet();
        Assert.Equal(expected.Order(), listed.Order());
    }

    [Fact]
    public void Table_NamesAreUnique()
    {
        var names = CodeSigningStatus.All.Select(i => i.Name).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData(-67070)] // invalid flags: our bug, not the code's
    [InlineData(-67068)] // not found
    [InlineData(-67065)] // guest gone
    [InlineData(-67048)] // internal error
    [InlineData(-67034)] // changed during validation
    [InlineData(-67006)] // cancelled
    public void OperationalStatuses_MeanUnknown(int status) =>
        Assert.Equal(StatusMeaning.Unknown, CodeSigningStatus.Describe(status).Meaning);

    [Theory]
    [InlineData(-1)]
    [InlineData(-67038)]
    [InlineData(-2147409652)] // a CSSM trust error: not in our table, so no verdict
    [InlineData(1)]
    public void UnrecognisedStatus_MeansUnknown_NeverInvalid(int status)
    {
        var info = CodeSigningStatus.Describe(status);
        Assert.Equal(StatusMeaning.Unknown, info.Meaning);
        Assert.Equal(FindingKind.NativeValidationFailed, info.Kind);
    }

    [Fact]
    public void Success_IsValid_AndUnsigned_IsUnsigned()
    {
        Assert.Equal(StatusMeaning.Valid, CodeSigningStatus.Describe(0).Meaning);
        Assert.Equal(StatusMeaning.Unsigned, CodeSigningStatus.Describe(-67062).Meaning);
        Assert.Equal(FindingKind.NotSigned, CodeSigningStatus.Describe(-67062).Kind);
    }
}
