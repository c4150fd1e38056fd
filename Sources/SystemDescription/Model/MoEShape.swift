/// The mixture-of-experts part of a model's MoE layers: routed experts of which each token takes
/// `expertsPerToken`, and shared experts every token takes; each expert a SwiGLU FFN of
/// `expertIntermediate` width.
public struct MoEShape: Sendable, Equatable {
    public var routedExperts: Int
    public var sharedExperts: Int
    public var expertsPerToken: Int
    public var expertIntermediate: Int

    public init(routedExperts: Int, sharedExperts: Int, expertsPerToken: Int, expertIntermediate: Int) {
        self.routedExperts = routedExperts
        self.sharedExperts = sharedExperts
        self.expertsPerToken = expertsPerToken
        self.expertIntermediate = expertIntermediate
    }
}
