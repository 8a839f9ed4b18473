extension Message {
    var english: String {
        switch self {
        case .noSuchPath: return "There is no resource at this path."
        case .methodNotAllowed: return "This method is not allowed on this resource."
        case .bodyTooLarge: return "The request body is too large."
        case .badRequest: return "The request is not valid."
        case .internalError: return "The server could not answer this request. Please try again later."
        case .invalidDataset: return "The dataset is not valid."
        }
    }
}
