using SigWatch.Core.Plist;

namespace SigWatch.Core.Tests.Plist;

public sealed class PlistDictionaryTests
{
    [Fact]
    public void TypedGetters_AbsentOrWrongTypeKey_ReturnNull_NotAnEmptyValue()
    {
        var dict = new PlistDictionary([new("hash", new PlistData(new byte[] { 1, 2 })), new("name", new PlistString("x"))]);
        Assert.Null(dict.GetData("missing"));
        Assert.Null(dict.GetData("name"));
        Assert.Equal(new byte[] { 1, 2 }, dict.GetData("hash")!.Value.ToArray());
        Assert.Null(dict.GetString("hash"));
        Assert.Null(dict.GetInt64("name"));
        Assert.Null(dict.GetBoolean("name"));
    }
}
