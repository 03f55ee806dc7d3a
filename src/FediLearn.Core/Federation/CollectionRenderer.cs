using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Federation;

/// <summary>OrderedCollection and its pages (federation.md item 7): paged with first/next, stable order, bounded size.</summary>
public static class CollectionRenderer
{
    public const int PageSize = 40;

    public static JObject Collection(string id, long totalItems)
    {
        var doc = new JObject
        {
            ["@context"] = JsonLdContexts.Activity(),
            ["id"] = id,
            ["type"] = "OrderedCollection",
            ["totalItems"] = totalItems,
        };
        if (totalItems > 0) doc["first"] = $"{id}?page=1";
        return doc;
    }

    public static JObject Page(string collectionId, int page, IEnumerable<JToken> items, bool hasNext)
    {
        // Add item by item: new JArray(aJArray) would nest the array instead of copying its items.
        var ordered = new JArray();
        foreach (var item in items) ordered.Add(item);
        var doc = new JObject
        {
            ["@context"] = JsonLdContexts.Activity(),
            ["id"] = $"{collectionId}?page={page}",
            ["type"] = "OrderedCollectionPage",
            ["partOf"] = collectionId,
            ["orderedItems"] = ordered,
        };
        if (hasNext) doc["next"] = $"{collectionId}?page={page + 1}";
        if (page > 1) doc["prev"] = $"{collectionId}?page={page - 1}";
        return doc;
    }
}
